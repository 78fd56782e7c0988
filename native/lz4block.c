/*
 * lz4block: lz4's own block compressors and decoder (lz4 1.9.4 in native/lz4/, BSD-2-Clause) for
 * metal-image-action's LZ4 frame encoder (src/lz4/native.ts, src/lz4/compressor.ts) and for reading images
 * back. Built by native/build.sh.
 *
 *   compress(src: Uint8Array, dst: Uint8Array, level: number, nice: number): Promise<number>
 *
 * Compresses src as one independent LZ4 block the way lz4frame (and so the lz4 command) does at that level:
 * LZ4_compress_fast_extState with acceleration 1 below level 3 (lz4 1.9.4 runs -1 and -2 alike),
 * LZ4_compress_HC_extStateHC from 3 to 12. Resolves with the bytes written to dst, or 0 when the block does
 * not fit in dst.length (the encoder passes srcSize - 1, as lz4frame does, and then stores the block).
 * src and dst stay referenced until then; the caller must not write to them or transfer them meanwhile.
 *
 *   decompress(src: Uint8Array, dst: Uint8Array): number
 *
 * Decodes one LZ4 block with LZ4_decompress_safe, synchronously on the calling thread (a 4 MiB block takes
 * a millisecond or two): the bytes written to dst, or -1 when src is no valid block or does not fit in dst.
 * It never reads or writes outside the two arrays, whatever src holds.
 *
 *   version: string    lz4's version
 *
 * Every call runs on a thread of its own named lz4block, at `nice` (on Linux a nice value belongs to a thread), started
 * with libuv's thread functions, which node exports: the binary needs nothing from glibc newer than its
 * memcpy. Not on libuv's thread pool and not in a worker thread, on purpose: a 4 MiB block takes seconds at
 * level 12, process.exit() joins the pool's threads and every worker first, and so a cancelled run would
 * wait for its blocks. Threads node does not know about end with the process. While the environment
 * lives, a finished block is handed back through a thread-safe function; when it is torn down (a worker
 * thread that loaded this ends), the cleanup hook waits for the blocks in progress.
 *
 * Plain C against Node-API 8: one binary per CPU serves every Node version that has these libuv functions.
 * Context-aware (NAPI_MODULE_INIT, per-environment instance data): loads in any number of worker threads.
 */
#define NAPI_VERSION 8
#define _GNU_SOURCE
#include <node_api.h>
#include <uv.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "lz4.h"
#include "lz4hc.h"

#define LEVEL_MAX 12
#define NICE_MAX 19

struct env_data;

typedef struct job {
  struct env_data *d;
  uv_thread_t thread;
  const char *src;
  char *dst;
  int srcSize, dstCapacity, level, nice;
  /* Bytes written, 0 when the block did not fit, -1 when there was no memory for lz4's state. */
  int result;
  napi_ref srcRef, dstRef;
  napi_deferred deferred;
  /* Jobs whose thread could not hand them back (the environment was being torn down). */
  struct job *nextOrphan;
} job;

typedef struct env_data {
  napi_threadsafe_function done;
  /* Guards running, closing and orphans, which the jobs' threads change. */
  uv_mutex_t mu;
  uv_cond_t idle;
  int running;
  int closing;
  job *orphans;
  /* Jobs whose promise is not settled yet; the main thread's alone. The loop stays alive while > 0. */
  int pending;
} env_data;

static void run_job(void *arg) {
  job *j = arg;
  /* Best effort, as src/util/workers.ts's runInBackground: the block compresses anyway. */
  if (j->nice > 0) (void)setpriority(PRIO_PROCESS, (id_t)syscall(SYS_gettid), j->nice);
  /* For top -H and /proc/<pid>/task/<tid>/comm; after the nice value, so a thread of that name has it. */
  (void)prctl(PR_SET_NAME, "lz4block", 0, 0, 0);
  int hc = j->level >= LZ4HC_CLEVEL_MIN;
  void *state = malloc(hc ? (size_t)LZ4_sizeofStateHC() : (size_t)LZ4_sizeofState());
  if (!state)
    j->result = -1;
  else if (hc)
    j->result = LZ4_compress_HC_extStateHC(state, j->src, j->dst, j->srcSize, j->dstCapacity, j->level);
  else
    j->result = LZ4_compress_fast_extState(state, j->src, j->dst, j->srcSize, j->dstCapacity, 1);
  free(state);

  env_data *d = j->d;
  uv_mutex_lock(&d->mu);
  /* Queued, the job belongs to finish() on the environment's thread; otherwise to cleanup(). */
  if (d->closing || napi_call_threadsafe_function(d->done, j, napi_tsfn_nonblocking) != napi_ok) {
    j->nextOrphan = d->orphans;
    d->orphans = j;
  }
  d->running--;
  uv_cond_signal(&d->idle);
  uv_mutex_unlock(&d->mu);
}

/* On the environment's thread; env is NULL when the thread-safe function is torn down with the job queued. */
static void finish(napi_env env, napi_value callback, void *context, void *data) {
  (void)callback;
  job *j = data;
  /* The thread has handed the job over as its last act: this returns at once. */
  uv_thread_join(&j->thread);
  if (env) {
    env_data *d = context;
    napi_value value;
    if (j->result >= 0 && napi_create_int32(env, j->result, &value) == napi_ok) {
      napi_resolve_deferred(env, j->deferred, value);
    } else {
      napi_value message, error;
      napi_create_string_utf8(env, "lz4block: out of memory", NAPI_AUTO_LENGTH, &message);
      napi_create_error(env, NULL, message, &error);
      napi_reject_deferred(env, j->deferred, error);
    }
    napi_delete_reference(env, j->srcRef);
    napi_delete_reference(env, j->dstRef);
    if (--d->pending == 0) napi_unref_threadsafe_function(env, d->done);
  }
  free(j);
}

/* Runs before the thread-safe function's own hook (hooks run last-added first): no job touches it later. */
static void cleanup(void *arg) {
  env_data *d = arg;
  uv_mutex_lock(&d->mu);
  d->closing = 1;
  while (d->running > 0) uv_cond_wait(&d->idle, &d->mu);
  job *j = d->orphans;
  d->orphans = NULL;
  uv_mutex_unlock(&d->mu);
  while (j) {
    job *next = j->nextOrphan;
    uv_thread_join(&j->thread);
    free(j);
    j = next;
  }
}

static void free_env_data(napi_env env, void *data, void *hint) {
  (void)env;
  (void)hint;
  env_data *d = data;
  uv_cond_destroy(&d->idle);
  uv_mutex_destroy(&d->mu);
  free(d);
}

static napi_value fail(napi_env env, const char *message) {
  napi_throw_error(env, NULL, message);
  return NULL;
}

static napi_value fail_type(napi_env env, const char *message) {
  napi_throw_type_error(env, NULL, message);
  return NULL;
}

/* A Uint8Array's (or Buffer's) bytes; 0 when v is none. */
static int get_bytes(napi_env env, napi_value v, char **data, size_t *length) {
  bool isTypedArray = false;
  napi_typedarray_type type;
  void *p = NULL;
  if (napi_is_typedarray(env, v, &isTypedArray) != napi_ok || !isTypedArray) return 0;
  if (napi_get_typedarray_info(env, v, &type, length, &p, NULL, NULL) != napi_ok) return 0;
  if (type != napi_uint8_array) return 0;
  *data = p;
  return 1;
}

static napi_value compress(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value argv[4];
  env_data *d = NULL;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok ||
      napi_get_instance_data(env, (void **)&d) != napi_ok || !d)
    return fail(env, "lz4block: no arguments or no instance data");
  if (argc < 4) return fail_type(env, "lz4block: expected (src, dst, level, nice)");
  char *src, *dst;
  size_t srcSize, dstCapacity;
  int32_t level, nice;
  if (!get_bytes(env, argv[0], &src, &srcSize)) return fail_type(env, "lz4block: src must be a Uint8Array");
  if (!get_bytes(env, argv[1], &dst, &dstCapacity)) return fail_type(env, "lz4block: dst must be a Uint8Array");
  if (napi_get_value_int32(env, argv[2], &level) != napi_ok || level < 1 || level > LEVEL_MAX) {
    napi_throw_range_error(env, NULL, "lz4block: level must be an integer from 1 to 12");
    return NULL;
  }
  if (napi_get_value_int32(env, argv[3], &nice) != napi_ok || nice < 0 || nice > NICE_MAX) {
    napi_throw_range_error(env, NULL, "lz4block: nice must be an integer from 0 to 19");
    return NULL;
  }
  if (srcSize > LZ4_MAX_INPUT_SIZE) {
    napi_throw_range_error(env, NULL, "lz4block: src is larger than LZ4_MAX_INPUT_SIZE");
    return NULL;
  }
  if (dstCapacity > LZ4_MAX_INPUT_SIZE) dstCapacity = LZ4_MAX_INPUT_SIZE;

  job *j = calloc(1, sizeof *j);
  if (!j) return fail(env, "lz4block: out of memory");
  *j = (job){.d = d, .src = src, .dst = dst, .srcSize = (int)srcSize, .dstCapacity = (int)dstCapacity,
             .level = level, .nice = nice};
  napi_value promise;
  if (napi_create_reference(env, argv[0], 1, &j->srcRef) != napi_ok ||
      napi_create_reference(env, argv[1], 1, &j->dstRef) != napi_ok ||
      napi_create_promise(env, &j->deferred, &promise) != napi_ok) {
    /* Only in a broken environment; the references, if any, go with it. */
    free(j);
    return fail(env, "lz4block: could not set up the call");
  }
  uv_mutex_lock(&d->mu);
  d->running++;
  uv_mutex_unlock(&d->mu);
  if (uv_thread_create(&j->thread, run_job, j) != 0) {
    uv_mutex_lock(&d->mu);
    d->running--;
    uv_mutex_unlock(&d->mu);
    napi_value message, error;
    napi_create_string_utf8(env, "lz4block: could not start a thread", NAPI_AUTO_LENGTH, &message);
    napi_create_error(env, NULL, message, &error);
    napi_reject_deferred(env, j->deferred, error);
    napi_delete_reference(env, j->srcRef);
    napi_delete_reference(env, j->dstRef);
    free(j);
    return promise;
  }
  if (d->pending++ == 0) napi_ref_threadsafe_function(env, d->done);
  return promise;
}

static napi_value decompress(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok) return fail(env, "lz4block: no arguments");
  if (argc < 2) return fail_type(env, "lz4block: expected (src, dst)");
  char *src, *dst;
  size_t srcSize, dstCapacity;
  if (!get_bytes(env, argv[0], &src, &srcSize)) return fail_type(env, "lz4block: src must be a Uint8Array");
  if (!get_bytes(env, argv[1], &dst, &dstCapacity)) return fail_type(env, "lz4block: dst must be a Uint8Array");
  int n = -1;
  if (srcSize <= LZ4_MAX_INPUT_SIZE) {
    if (dstCapacity > LZ4_MAX_INPUT_SIZE) dstCapacity = LZ4_MAX_INPUT_SIZE;
    n = LZ4_decompress_safe(src, dst, (int)srcSize, (int)dstCapacity);
  }
  napi_value result;
  if (napi_create_int32(env, n < 0 ? -1 : n, &result) != napi_ok) return fail(env, "lz4block: no result");
  return result;
}

NAPI_MODULE_INIT() {
  env_data *d = calloc(1, sizeof *d);
  if (!d) return fail(env, "lz4block: out of memory");
  if (uv_mutex_init(&d->mu) != 0 || uv_cond_init(&d->idle) != 0) return fail(env, "lz4block: no mutex");
  napi_value name, fn, version;
  if (napi_set_instance_data(env, d, free_env_data, NULL) != napi_ok ||
      napi_create_string_utf8(env, "lz4block", NAPI_AUTO_LENGTH, &name) != napi_ok ||
      napi_create_threadsafe_function(env, NULL, NULL, name, 0, 1, NULL, NULL, d, finish, &d->done) != napi_ok ||
      /* Idle, the addon must not keep the process alive. */
      napi_unref_threadsafe_function(env, d->done) != napi_ok ||
      napi_add_env_cleanup_hook(env, cleanup, d) != napi_ok ||
      napi_create_function(env, "compress", NAPI_AUTO_LENGTH, compress, NULL, &fn) != napi_ok ||
      napi_set_named_property(env, exports, "compress", fn) != napi_ok ||
      napi_create_function(env, "decompress", NAPI_AUTO_LENGTH, decompress, NULL, &fn) != napi_ok ||
      napi_set_named_property(env, exports, "decompress", fn) != napi_ok ||
      napi_create_string_utf8(env, LZ4_versionString(), NAPI_AUTO_LENGTH, &version) != napi_ok ||
      napi_set_named_property(env, exports, "version", version) != napi_ok)
    return fail(env, "lz4block: could not initialise");
  return exports;
}
