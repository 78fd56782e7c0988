import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);
import {
  require_semver
} from "./chunk-ILZ77HWZ.js";
import {
  BlockPool,
  ChunkPool,
  doneByCallback,
  isDoneByCallback
} from "./chunk-THK3DBOI.js";
import {
  CommitFailure,
  DEFAULT_LOCK_OPTIONS,
  NotPlaceable,
  SetTransaction,
  currentNotes,
  newOwner,
  onExit,
  removeOnExit,
  runExitCleanups,
  tempName
} from "./chunk-6YDDJ5MZ.js";
import {
  InputError,
  StageError,
  errnoWords,
  errorMessage,
  failure,
  formatBudget,
  formatBytes,
  formatSeconds,
  isSystemError,
  silentLog
} from "./chunk-EKRAGSSF.js";
import {
  holdSignals,
  takeHeldSignal
} from "./chunk-W4VBK7CU.js";
import {
  readAheadOnThread
} from "./chunk-TE56CBLR.js";
import {
  BACKGROUND_NICE,
  workerUrl
} from "./chunk-XYX34ZYA.js";
import {
  RPMDB_LIMITS,
  RPMDB_PATH,
  RpmDbError,
  RpmDbLimitError
} from "./chunk-MBMCBANP.js";
import {
  WORK_FILES,
  createXxh32,
  findTool,
  require_dist,
  tail,
  whichTool,
  xxh32
} from "./chunk-P6DSCTJD.js";
import {
  loadLz4Block
} from "./chunk-EMGQKNKR.js";
import {
  __commonJS,
  __require,
  __toESM
} from "./chunk-VF57VZD3.js";

// node_modules/isexe/windows.js
var require_windows = __commonJS({
  "node_modules/isexe/windows.js"(exports, module) {
    module.exports = isexe;
    isexe.sync = sync;
    var fs = __require("fs");
    function checkPathExt(path6, options) {
      var pathext = options.pathExt !== void 0 ? options.pathExt : process.env.PATHEXT;
      if (!pathext) {
        return true;
      }
      pathext = pathext.split(";");
      if (pathext.indexOf("") !== -1) {
        return true;
      }
      for (var i2 = 0; i2 < pathext.length; i2++) {
        var p = pathext[i2].toLowerCase();
        if (p && path6.substr(-p.length).toLowerCase() === p) {
          return true;
        }
      }
      return false;
    }
    function checkStat(stat6, path6, options) {
      if (!stat6.isSymbolicLink() && !stat6.isFile()) {
        return false;
      }
      return checkPathExt(path6, options);
    }
    function isexe(path6, options, cb) {
      fs.stat(path6, function(er, stat6) {
        cb(er, er ? false : checkStat(stat6, path6, options));
      });
    }
    function sync(path6, options) {
      return checkStat(fs.statSync(path6), path6, options);
    }
  }
});

// node_modules/isexe/mode.js
var require_mode = __commonJS({
  "node_modules/isexe/mode.js"(exports, module) {
    module.exports = isexe;
    isexe.sync = sync;
    var fs = __require("fs");
    function isexe(path6, options, cb) {
      fs.stat(path6, function(er, stat6) {
        cb(er, er ? false : checkStat(stat6, options));
      });
    }
    function sync(path6, options) {
      return checkStat(fs.statSync(path6), options);
    }
    function checkStat(stat6, options) {
      return stat6.isFile() && checkMode(stat6, options);
    }
    function checkMode(stat6, options) {
      var mod = stat6.mode;
      var uid = stat6.uid;
      var gid = stat6.gid;
      var myUid = options.uid !== void 0 ? options.uid : process.getuid && process.getuid();
      var myGid = options.gid !== void 0 ? options.gid : process.getgid && process.getgid();
      var u2 = parseInt("100", 8);
      var g = parseInt("010", 8);
      var o2 = parseInt("001", 8);
      var ug = u2 | g;
      var ret = mod & o2 || mod & g && gid === myGid || mod & u2 && uid === myUid || mod & ug && myUid === 0;
      return ret;
    }
  }
});

// node_modules/isexe/index.js
var require_isexe = __commonJS({
  "node_modules/isexe/index.js"(exports, module) {
    var fs = __require("fs");
    var core;
    if (process.platform === "win32" || global.TESTING_WINDOWS) {
      core = require_windows();
    } else {
      core = require_mode();
    }
    module.exports = isexe;
    isexe.sync = sync;
    function isexe(path6, options, cb) {
      if (typeof options === "function") {
        cb = options;
        options = {};
      }
      if (!cb) {
        if (typeof Promise !== "function") {
          throw new TypeError("callback not provided");
        }
        return new Promise(function(resolve8, reject) {
          isexe(path6, options || {}, function(er, is) {
            if (er) {
              reject(er);
            } else {
              resolve8(is);
            }
          });
        });
      }
      core(path6, options || {}, function(er, is) {
        if (er) {
          if (er.code === "EACCES" || options && options.ignoreErrors) {
            er = null;
            is = false;
          }
        }
        cb(er, is);
      });
    }
    function sync(path6, options) {
      try {
        return core.sync(path6, options || {});
      } catch (er) {
        if (options && options.ignoreErrors || er.code === "EACCES") {
          return false;
        } else {
          throw er;
        }
      }
    }
  }
});

// node_modules/which/which.js
var require_which = __commonJS({
  "node_modules/which/which.js"(exports, module) {
    var isWindows = process.platform === "win32" || process.env.OSTYPE === "cygwin" || process.env.OSTYPE === "msys";
    var path6 = __require("path");
    var COLON2 = isWindows ? ";" : ":";
    var isexe = require_isexe();
    var getNotFoundError = (cmd) => Object.assign(new Error(`not found: ${cmd}`), { code: "ENOENT" });
    var getPathInfo = (cmd, opt) => {
      const colon = opt.colon || COLON2;
      const pathEnv = cmd.match(/\//) || isWindows && cmd.match(/\\/) ? [""] : [
        // windows always checks the cwd first
        ...isWindows ? [process.cwd()] : [],
        ...(opt.path || process.env.PATH || /* istanbul ignore next: very unusual */
        "").split(colon)
      ];
      const pathExtExe = isWindows ? opt.pathExt || process.env.PATHEXT || ".EXE;.CMD;.BAT;.COM" : "";
      const pathExt = isWindows ? pathExtExe.split(colon) : [""];
      if (isWindows) {
        if (cmd.indexOf(".") !== -1 && pathExt[0] !== "")
          pathExt.unshift("");
      }
      return {
        pathEnv,
        pathExt,
        pathExtExe
      };
    };
    var which = (cmd, opt, cb) => {
      if (typeof opt === "function") {
        cb = opt;
        opt = {};
      }
      if (!opt)
        opt = {};
      const { pathEnv, pathExt, pathExtExe } = getPathInfo(cmd, opt);
      const found = [];
      const step = (i2) => new Promise((resolve8, reject) => {
        if (i2 === pathEnv.length)
          return opt.all && found.length ? resolve8(found) : reject(getNotFoundError(cmd));
        const ppRaw = pathEnv[i2];
        const pathPart = /^".*"$/.test(ppRaw) ? ppRaw.slice(1, -1) : ppRaw;
        const pCmd = path6.join(pathPart, cmd);
        const p = !pathPart && /^\.[\\\/]/.test(cmd) ? cmd.slice(0, 2) + pCmd : pCmd;
        resolve8(subStep(p, i2, 0));
      });
      const subStep = (p, i2, ii) => new Promise((resolve8, reject) => {
        if (ii === pathExt.length)
          return resolve8(step(i2 + 1));
        const ext = pathExt[ii];
        isexe(p + ext, { pathExt: pathExtExe }, (er, is) => {
          if (!er && is) {
            if (opt.all)
              found.push(p + ext);
            else
              return resolve8(p + ext);
          }
          return resolve8(subStep(p, i2, ii + 1));
        });
      });
      return cb ? step(0).then((res) => cb(null, res), cb) : step(0);
    };
    var whichSync = (cmd, opt) => {
      opt = opt || {};
      const { pathEnv, pathExt, pathExtExe } = getPathInfo(cmd, opt);
      const found = [];
      for (let i2 = 0; i2 < pathEnv.length; i2++) {
        const ppRaw = pathEnv[i2];
        const pathPart = /^".*"$/.test(ppRaw) ? ppRaw.slice(1, -1) : ppRaw;
        const pCmd = path6.join(pathPart, cmd);
        const p = !pathPart && /^\.[\\\/]/.test(cmd) ? cmd.slice(0, 2) + pCmd : pCmd;
        for (let j = 0; j < pathExt.length; j++) {
          const cur = p + pathExt[j];
          try {
            const is = isexe.sync(cur, { pathExt: pathExtExe });
            if (is) {
              if (opt.all)
                found.push(cur);
              else
                return cur;
            }
          } catch (ex) {
          }
        }
      }
      if (opt.all && found.length)
        return found;
      if (opt.nothrow)
        return null;
      throw getNotFoundError(cmd);
    };
    module.exports = which;
    which.sync = whichSync;
  }
});

// node_modules/path-key/index.js
var require_path_key = __commonJS({
  "node_modules/path-key/index.js"(exports, module) {
    "use strict";
    var pathKey2 = (options = {}) => {
      const environment = options.env || process.env;
      const platform2 = options.platform || process.platform;
      if (platform2 !== "win32") {
        return "PATH";
      }
      return Object.keys(environment).reverse().find((key) => key.toUpperCase() === "PATH") || "Path";
    };
    module.exports = pathKey2;
    module.exports.default = pathKey2;
  }
});

// node_modules/cross-spawn/lib/util/resolveCommand.js
var require_resolveCommand = __commonJS({
  "node_modules/cross-spawn/lib/util/resolveCommand.js"(exports, module) {
    "use strict";
    var path6 = __require("path");
    var which = require_which();
    var getPathKey = require_path_key();
    function resolveCommandAttempt(parsed, withoutPathExt) {
      const env = parsed.options.env || process.env;
      const cwd = process.cwd();
      const hasCustomCwd = parsed.options.cwd != null;
      const shouldSwitchCwd = hasCustomCwd && process.chdir !== void 0 && !process.chdir.disabled;
      if (shouldSwitchCwd) {
        try {
          process.chdir(parsed.options.cwd);
        } catch (err) {
        }
      }
      let resolved;
      try {
        resolved = which.sync(parsed.command, {
          path: env[getPathKey({ env })],
          pathExt: withoutPathExt ? path6.delimiter : void 0
        });
      } catch (e) {
      } finally {
        if (shouldSwitchCwd) {
          process.chdir(cwd);
        }
      }
      if (resolved) {
        resolved = path6.resolve(hasCustomCwd ? parsed.options.cwd : "", resolved);
      }
      return resolved;
    }
    function resolveCommand(parsed) {
      return resolveCommandAttempt(parsed) || resolveCommandAttempt(parsed, true);
    }
    module.exports = resolveCommand;
  }
});

// node_modules/cross-spawn/lib/util/escape.js
var require_escape = __commonJS({
  "node_modules/cross-spawn/lib/util/escape.js"(exports, module) {
    "use strict";
    var metaCharsRegExp = /([()\][%!^"`<>&|;, *?])/g;
    function escapeCommand(arg) {
      arg = arg.replace(metaCharsRegExp, "^$1");
      return arg;
    }
    function escapeArgument(arg, doubleEscapeMetaChars) {
      arg = `${arg}`;
      arg = arg.replace(/(?=(\\+?)?)\1"/g, '$1$1\\"');
      arg = arg.replace(/(?=(\\+?)?)\1$/, "$1$1");
      arg = `"${arg}"`;
      arg = arg.replace(metaCharsRegExp, "^$1");
      if (doubleEscapeMetaChars) {
        arg = arg.replace(metaCharsRegExp, "^$1");
      }
      return arg;
    }
    module.exports.command = escapeCommand;
    module.exports.argument = escapeArgument;
  }
});

// node_modules/shebang-regex/index.js
var require_shebang_regex = __commonJS({
  "node_modules/shebang-regex/index.js"(exports, module) {
    "use strict";
    module.exports = /^#!(.*)/;
  }
});

// node_modules/shebang-command/index.js
var require_shebang_command = __commonJS({
  "node_modules/shebang-command/index.js"(exports, module) {
    "use strict";
    var shebangRegex = require_shebang_regex();
    module.exports = (string = "") => {
      const match = string.match(shebangRegex);
      if (!match) {
        return null;
      }
      const [path6, argument] = match[0].replace(/#! ?/, "").split(" ");
      const binary = path6.split("/").pop();
      if (binary === "env") {
        return argument;
      }
      return argument ? `${binary} ${argument}` : binary;
    };
  }
});

// node_modules/cross-spawn/lib/util/readShebang.js
var require_readShebang = __commonJS({
  "node_modules/cross-spawn/lib/util/readShebang.js"(exports, module) {
    "use strict";
    var fs = __require("fs");
    var shebangCommand = require_shebang_command();
    function readShebang(command) {
      const size = 150;
      const buffer = Buffer.alloc(size);
      let fd;
      try {
        fd = fs.openSync(command, "r");
        fs.readSync(fd, buffer, 0, size, 0);
        fs.closeSync(fd);
      } catch (e) {
      }
      return shebangCommand(buffer.toString());
    }
    module.exports = readShebang;
  }
});

// node_modules/cross-spawn/lib/parse.js
var require_parse = __commonJS({
  "node_modules/cross-spawn/lib/parse.js"(exports, module) {
    "use strict";
    var path6 = __require("path");
    var resolveCommand = require_resolveCommand();
    var escape = require_escape();
    var readShebang = require_readShebang();
    var isWin = process.platform === "win32";
    var isExecutableRegExp = /\.(?:com|exe)$/i;
    var isCmdShimRegExp = /node_modules[\\/].bin[\\/][^\\/]+\.cmd$/i;
    function detectShebang(parsed) {
      parsed.file = resolveCommand(parsed);
      const shebang = parsed.file && readShebang(parsed.file);
      if (shebang) {
        parsed.args.unshift(parsed.file);
        parsed.command = shebang;
        return resolveCommand(parsed);
      }
      return parsed.file;
    }
    function parseNonShell(parsed) {
      if (!isWin) {
        return parsed;
      }
      const commandFile = detectShebang(parsed);
      const needsShell = !isExecutableRegExp.test(commandFile);
      if (parsed.options.forceShell || needsShell) {
        const needsDoubleEscapeMetaChars = isCmdShimRegExp.test(commandFile);
        parsed.command = path6.normalize(parsed.command);
        parsed.command = escape.command(parsed.command);
        parsed.args = parsed.args.map((arg) => escape.argument(arg, needsDoubleEscapeMetaChars));
        const shellCommand = [parsed.command].concat(parsed.args).join(" ");
        parsed.args = ["/d", "/s", "/c", `"${shellCommand}"`];
        parsed.command = process.env.comspec || "cmd.exe";
        parsed.options.windowsVerbatimArguments = true;
      }
      return parsed;
    }
    function parse2(command, args, options) {
      if (args && !Array.isArray(args)) {
        options = args;
        args = null;
      }
      args = args ? args.slice(0) : [];
      options = Object.assign({}, options);
      const parsed = {
        command,
        args,
        options,
        file: void 0,
        original: {
          command,
          args
        }
      };
      return options.shell ? parsed : parseNonShell(parsed);
    }
    module.exports = parse2;
  }
});

// node_modules/cross-spawn/lib/enoent.js
var require_enoent = __commonJS({
  "node_modules/cross-spawn/lib/enoent.js"(exports, module) {
    "use strict";
    var isWin = process.platform === "win32";
    function notFoundError(original, syscall) {
      return Object.assign(new Error(`${syscall} ${original.command} ENOENT`), {
        code: "ENOENT",
        errno: "ENOENT",
        syscall: `${syscall} ${original.command}`,
        path: original.command,
        spawnargs: original.args
      });
    }
    function hookChildProcess(cp, parsed) {
      if (!isWin) {
        return;
      }
      const originalEmit = cp.emit;
      cp.emit = function(name, arg1) {
        if (name === "exit") {
          const err = verifyENOENT(arg1, parsed);
          if (err) {
            return originalEmit.call(cp, "error", err);
          }
        }
        return originalEmit.apply(cp, arguments);
      };
    }
    function verifyENOENT(status, parsed) {
      if (isWin && status === 1 && !parsed.file) {
        return notFoundError(parsed.original, "spawn");
      }
      return null;
    }
    function verifyENOENTSync(status, parsed) {
      if (isWin && status === 1 && !parsed.file) {
        return notFoundError(parsed.original, "spawnSync");
      }
      return null;
    }
    module.exports = {
      hookChildProcess,
      verifyENOENT,
      verifyENOENTSync,
      notFoundError
    };
  }
});

// node_modules/cross-spawn/index.js
var require_cross_spawn = __commonJS({
  "node_modules/cross-spawn/index.js"(exports, module) {
    "use strict";
    var cp = __require("child_process");
    var parse2 = require_parse();
    var enoent = require_enoent();
    function spawn5(command, args, options) {
      const parsed = parse2(command, args, options);
      const spawned = cp.spawn(parsed.command, parsed.args, parsed.options);
      enoent.hookChildProcess(spawned, parsed);
      return spawned;
    }
    function spawnSync4(command, args, options) {
      const parsed = parse2(command, args, options);
      const result = cp.spawnSync(parsed.command, parsed.args, parsed.options);
      result.error = result.error || enoent.verifyENOENTSync(result.status, parsed);
      return result;
    }
    module.exports = spawn5;
    module.exports.spawn = spawn5;
    module.exports.sync = spawnSync4;
    module.exports._parse = parse2;
    module.exports._enoent = enoent;
  }
});

// src/app/outputs.ts
function outputsOf(result, artifact) {
  const outputs = {
    "image-id": result.imageId,
    version: result.version,
    semver: result.semver,
    previous: result.previous ?? "",
    "release-tag": result.releaseTag,
    channel: result.channel,
    url: result.url,
    md5: result.md5,
    size: String(result.size),
    "rootfs-size": result.build ? String(result.build.rootfsSize) : "",
    packages: result.build?.packages === void 0 ? "" : String(result.build.packages),
    sha256: result.checksums.sha256 ?? "",
    sha512: result.checksums.sha512 ?? "",
    contract: result.build?.contract ? JSON.stringify(result.build.contract) : "",
    digest: result.registry?.digest ?? "",
    tags: result.registry?.tags.join("\n") ?? "",
    "test-result": result.build?.test ? JSON.stringify(result.build.test) : "",
    "artifact-id": artifact ? String(artifact.id) : "",
    "artifact-url": artifact?.url ?? ""
  };
  return { ...outputs, metadata: JSON.stringify(outputs) };
}

// src/verify/test.ts
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join as join2, resolve } from "node:path";

// src/verify/boot.ts
import { spawn } from "node:child_process";
import { accessSync, constants, createWriteStream, writeFileSync } from "node:fs";
import { availableParallelism } from "node:os";
import { StringDecoder } from "node:string_decoder";

// src/verify/processes.ts
var groups = /* @__PURE__ */ new Set();
var hooked = false;
function killOnExit(child) {
  const pid = child.pid;
  if (pid === void 0) return () => {
  };
  groups.add(pid);
  if (!hooked) {
    hooked = true;
    process.on("exit", () => {
      for (const group of groups) killGroup(group, "SIGKILL");
    });
  }
  return () => void groups.delete(pid);
}
function killGroup(pid, signal) {
  try {
    process.kill(-pid, signal);
  } catch {
  }
}

// src/verify/boot.ts
var DEFAULT_SUCCESS = String.raw`Reached target.*Multi-User System|login: *$`;
var FATAL = [
  [/Kernel panic - not syncing/, "the kernel panicked"],
  [/Dropping to a shell|\(initramfs\) *$/, "the initramfs gave up and dropped to a shell"],
  [/You are in emergency mode|Entering emergency mode/, "systemd entered emergency mode"]
];
var BootFailure = class extends Error {
  phase;
  consoleTail;
  constructor(phase, message, consoleTail) {
    super(message);
    this.name = "BootFailure";
    this.phase = phase;
    this.consoleTail = consoleTail;
  }
};
function missingForBoot() {
  const missing = [];
  if (!whichTool("qemu-system-x86_64")) missing.push("qemu-system-x86_64 (qemu-system-x86)");
  if (!whichTool("mke2fs")) missing.push("mke2fs (e2fsprogs)");
  return missing;
}
function kvmUsable() {
  try {
    accessSync("/dev/kvm", constants.R_OK | constants.W_OK);
    return true;
  } catch {
    return false;
  }
}
function serialConsole(cmdline) {
  let port;
  for (const m of cmdline.matchAll(/(?:^|\s)console=ttyS(\d+)/g)) port = Number(m[1]);
  return port;
}
async function bootImage(o2) {
  let cmdline = o2.cmdline;
  let port = serialConsole(cmdline);
  if (port === void 0) {
    cmdline = `${cmdline} console=ttyS0,115200`.trim();
    port = 0;
    o2.log.warning("boot-info.yaml names no serial console: console=ttyS0,115200 is added to watch the boot");
  }
  if (port > 3) throw new BootFailure("boot", `the console is ttyS${port}; the VM has ttyS0 to ttyS3`, "");
  writeFileSync(o2.consoleLog, "");
  const accels = kvmUsable() ? ["kvm", "tcg"] : ["tcg"];
  for (const accel of accels) {
    const attempt = await bootOnce(o2, cmdline, port, accel);
    if (attempt.kind === "done") return attempt.result;
    o2.log.warning(`QEMU could not run with KVM (${attempt.reason}); booting with TCG, which is much slower`);
  }
  throw new BootFailure("boot", "QEMU could not start", "");
}
async function bootOnce(o2, cmdline, port, accel) {
  const serial = [];
  for (let i2 = 0; i2 <= port; i2++) serial.push("-serial", i2 === port ? "chardev:console" : "null");
  const args = [
    "-nodefaults",
    "-no-user-config",
    "-display",
    "none",
    "-no-reboot",
    "-machine",
    `q35,accel=${accel}`,
    "-cpu",
    accel === "kvm" ? "host" : "max",
    "-smp",
    String(Math.min(4, availableParallelism())),
    "-m",
    "2048",
    "-kernel",
    o2.kernel,
    ...o2.initrd ? ["-initrd", o2.initrd] : [],
    "-append",
    cmdline,
    "-drive",
    `file=${o2.disk},format=raw,if=virtio,cache=unsafe`,
    "-nic",
    `user,model=virtio-net-pci,restrict=on,mac=${o2.mac}`,
    "-chardev",
    "stdio,id=console,signal=off",
    ...serial
  ];
  const qemu = findTool("qemu-system-x86_64");
  const setpriv = whichTool("setpriv");
  const argv = setpriv ? [setpriv, "--pdeathsig", "KILL", "--", qemu, ...args] : [qemu, ...args];
  o2.log.info(`Booting ${o2.kernel.replace(/.*\//, "")} with ${accel.toUpperCase()}: ${cmdline}`);
  const child = spawn(argv[0], argv.slice(1), { stdio: ["pipe", "pipe", "pipe"], detached: true });
  const unregister = killOnExit(child);
  const consoleFile = createWriteStream(o2.consoleLog, { flags: "a" });
  const watcher = new ConsoleWatcher(child, consoleFile);
  const start = performance.now();
  try {
    const outcome = await watcher.until(o2.success, o2.timeoutMs, o2.signal);
    if (outcome.kind === "exit") {
      const stderr = watcher.stderr.trim();
      if (accel === "kvm" && watcher.bytes === 0)
        return { kind: "accel-failed", reason: tail(stderr, 2) || `exit ${outcome.code}` };
      throw new BootFailure(
        "boot",
        `the VM stopped (QEMU ${outcome.code}) before the success line /${o2.success.source}/${stderr ? `: ${tail(stderr, 3)}` : ""}`,
        watcher.tail()
      );
    }
    if (outcome.kind === "fatal")
      throw new BootFailure("boot", `${outcome.reason}: ${outcome.line}`, watcher.tail());
    if (outcome.kind === "timeout")
      throw new BootFailure(
        "boot",
        `no console line matched /${o2.success.source}/ within ${Math.round(o2.timeoutMs / 1e3)} s (test-timeout)`,
        watcher.tail()
      );
    const bootMs = performance.now() - start;
    o2.log.info(`Boot reached "${outcome.line.trim()}" after ${(bootMs / 1e3).toFixed(1)} s`);
    const result = { accel, line: outcome.line, bootMs };
    if (o2.command) result.command = await runCommand(watcher, o2, Math.max(1e3, o2.timeoutMs - bootMs));
    return { kind: "done", result };
  } finally {
    killGroup(child.pid, "SIGKILL");
    await watcher.closed;
    unregister();
    await new Promise((resolve8) => consoleFile.end(resolve8));
  }
}
async function runCommand(w, o2, budgetMs) {
  const { text: text2, user, password } = o2.command;
  const start = performance.now();
  const deadline = () => Math.max(1, budgetMs - (performance.now() - start));
  let from = w.lines.length;
  const step = async (re, what2, ms = deadline()) => {
    const r = await w.until(re, ms, o2.signal, { from, fatal: /Login incorrect/ });
    if (r.kind === "match") {
      from = r.index + 1;
      return r;
    }
    if (r.kind === "timeout" && ms < deadline()) return void 0;
    const why = r.kind === "timeout" ? "timed out" : r.kind === "exit" ? "the VM stopped" : r.line;
    throw new BootFailure("command", `test-command: ${what2}: ${why}`, w.tail());
  };
  from = Math.max(0, w.lines.length - 1);
  if (!await step(/login: *$/, "no login prompt on the console", Math.min(5e3, deadline()))) {
    w.send("\n");
    await step(/login: *$/, "no login prompt on the console");
  }
  w.send(`${user}
`);
  await step(/[Pp]assword: *$/, `no password prompt for ${user}`);
  w.send(`${password}
`);
  await w.settled(/[$#] *$/, 3e3, Math.min(6e4, deadline()), o2.signal);
  const encoded = Buffer.from(text2).toString("base64");
  w.send(
    `printf '%s\\n' "@@verify""-begin"; echo ${encoded} | base64 -d | sh 2>&1; printf '%s %s\\n' "@@verify""-end" "$?"
`
  );
  const begin = await step(/^@@verify-begin$/, "the command did not start (login failed?)");
  const end = await step(/^@@verify-end \d+$/, "the command did not finish");
  const output = w.lines.slice(begin.index + 1, end.index).join("\n");
  const exitCode = Number(/(\d+)$/.exec(end.line)[1]);
  return { exitCode, output, ms: performance.now() - start };
}
function clean(line) {
  return line.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, "").replace(/\r/g, "");
}
var ConsoleWatcher = class {
  lines = [];
  stderr = "";
  bytes = 0;
  lastData = performance.now();
  closed;
  /** The unfinished last line as it came, and cleaned. */
  raw = "";
  partial = "";
  decoder = new StringDecoder("utf8");
  exit;
  listener;
  child;
  constructor(child, file) {
    this.child = child;
    child.stdin.on("error", () => {
    });
    child.stdout.on("data", (d) => {
      this.bytes += d.length;
      this.lastData = performance.now();
      file.write(d);
      const parts = (this.raw + this.decoder.write(d)).split("\n");
      this.raw = parts.pop();
      this.lines.push(...parts.map(clean));
      this.partial = clean(this.raw);
      this.listener?.();
    });
    child.stderr.on("data", (d) => {
      this.stderr = (this.stderr + d.toString()).slice(-4e3);
    });
    this.closed = new Promise(
      (resolve8) => child.on("close", (code2, signal) => {
        this.exit = signal ?? `exit code ${code2}`;
        this.listener?.();
        resolve8();
      })
    );
  }
  send(text2) {
    this.child.stdin.write(text2);
  }
  /** Resolves once the unfinished last line matches `prompt`, or nothing came for `quietMs`, or after `maxMs`. */
  async settled(prompt, quietMs, maxMs, signal) {
    const start = performance.now();
    while (performance.now() - start < maxMs) {
      signal.throwIfAborted();
      if (prompt.test(this.partial) || performance.now() - this.lastData >= quietMs || this.exit !== void 0)
        return;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  tail(lines2 = 40) {
    return tail([...this.lines, this.partial].join("\n"), lines2);
  }
  /** Waits for a line matching `re` (from the next unread line on), a fatal line, the VM's end, or the time. */
  until(re, ms, signal, { from, fatal } = {}) {
    let next = from ?? this.lines.length;
    return new Promise((resolve8, reject) => {
      const finish = (o2) => {
        clearTimeout(timer);
        signal.removeEventListener("abort", onAbort);
        this.listener = void 0;
        if (o2 instanceof Error) reject(o2);
        else resolve8(o2);
      };
      const check2 = () => {
        for (; next < this.lines.length; next++) {
          const line = this.lines[next];
          if (re.test(line)) return finish({ kind: "match", line, index: next });
          const bad = FATAL.find(([f]) => f.test(line));
          if (bad) return finish({ kind: "fatal", line, reason: bad[1] });
          if (fatal?.test(line)) return finish({ kind: "fatal", line, reason: "refused" });
        }
        if (this.partial && re.test(this.partial))
          return finish({ kind: "match", line: this.partial, index: this.lines.length });
        if (this.exit !== void 0) return finish({ kind: "exit", code: this.exit });
      };
      const onAbort = () => finish(signal.reason instanceof Error ? signal.reason : new Error(String(signal.reason)));
      const timer = setTimeout(() => finish({ kind: "timeout" }), ms);
      signal.addEventListener("abort", onAbort);
      if (signal.aborted) return onAbort();
      this.listener = check2;
      check2();
    });
  }
};

// src/verify/install-yaml.ts
var import_yaml = __toESM(require_dist(), 1);
import { generateKeyPairSync, randomBytes, randomUUID } from "node:crypto";
function newMachine(hostname = "metal-test") {
  return {
    hostname,
    machineUuid: `00000000-0000-0000-0000-${randomBytes(6).toString("hex")}`,
    rootUuid: randomUUID(),
    password: randomBytes(12).toString("base64").slice(0, 16),
    console: "ttyS0,115200n8",
    sshPublicKey: `${sshEd25519()} metal-image-action-test`,
    mac: "00:03:00:11:11:01"
  };
}
function installYaml(m, now) {
  return `hostname: ${m.hostname}
networks:
    - asn: 4200003073
      destinationprefixes: []
      ips:
        - 10.0.16.2
      nat: false
      networkid: bc830818-2df1-4904-8c40-4322296d393d
      networktype: privateprimaryunshared
      prefixes:
        - 10.0.16.0/22
      private: true
      underlay: false
      vrf: 3981
machineuuid: ${m.machineUuid}
sshpublickey: ${m.sshPublicKey}
password: ${m.password}
console: ${m.console}
timestamp: "${now.toISOString().replace(/\.\d{3}Z$/, "Z")}"
nics:
    - identifier: ""
      mac: "${m.mac}"
      name: lan0
      neighbors:
        - identifier: ""
          mac: 44:38:39:00:00:1a
          name: null
          neighbors: []
vpn: null
role: machine
raidenabled: false
root_uuid: ${m.rootUuid}
firewall_rules: null
dns_servers:
    - ip: 8.8.4.4
ntp_servers:
    - address: 1.pool.ntp.org
`;
}
function machineFromYaml(text2, fallback) {
  const doc = (0, import_yaml.parse)(text2);
  if (doc === null || typeof doc !== "object" || Array.isArray(doc))
    throw new Error("is not a YAML mapping (metal-hammer writes api.InstallerConfig)");
  const y = doc;
  const str = (key, dflt) => typeof y[key] === "string" && y[key] !== "" ? y[key] : dflt;
  const nics = Array.isArray(y.nics) ? y.nics : [];
  const mac = typeof nics[0]?.mac === "string" ? nics[0].mac : fallback.mac;
  return {
    hostname: str("hostname", fallback.hostname),
    machineUuid: str("machineuuid", fallback.machineUuid),
    rootUuid: str("root_uuid", fallback.rootUuid),
    password: str("password", fallback.password),
    console: str("console", fallback.console),
    sshPublicKey: str("sshpublickey", fallback.sshPublicKey),
    mac: /^([0-9a-f]{2}:){5}[0-9a-f]{2}$/i.test(mac) ? mac : fallback.mac
  };
}
function sshEd25519() {
  const { publicKey } = generateKeyPairSync("ed25519");
  const raw = publicKey.export({ format: "der", type: "spki" }).subarray(-32);
  const field2 = (b) => Buffer.concat([Buffer.from([0, 0, 0, b.length]), b]);
  return `ssh-ed25519 ${Buffer.concat([field2(Buffer.from("ssh-ed25519")), field2(raw)]).toString("base64")}`;
}

// src/verify/sandbox.ts
import { spawn as spawn2, spawnSync } from "node:child_process";
import { readlinkSync, writeFileSync as writeFileSync2 } from "node:fs";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { Writable } from "node:stream";
function helperPath() {
  const url = import.meta.url.endsWith(".ts") ? new URL("./helper.ts", import.meta.url) : new URL("./verify-helper.js", import.meta.url);
  return url.pathname;
}
function rootPrefix() {
  if (process.getuid?.() === 0) return [];
  const sudo = whichTool("sudo");
  if (sudo && spawnSync(sudo, ["-n", "true"], { stdio: "ignore", timeout: 15e3 }).status === 0)
    return [sudo, "-n", "--"];
  return "it needs root, or sudo without a password (as on GitHub-hosted runners), to mount and chroot";
}
function missingForInstall() {
  const missing = [];
  const root = rootPrefix();
  if (typeof root === "string") missing.push(root);
  for (const [tool, pkg] of [
    ["unshare", "util-linux"],
    ["mount", "util-linux"],
    ["capsh", "libcap2-bin"],
    ["mknod", "coreutils"]
  ])
    if (!whichTool(tool)) missing.push(`${tool} (${pkg})`);
  return missing;
}
var InstallSandbox = class {
  /** The image goes here, as it is published. */
  input;
  /** The helper's answer: its result (it then removes the root while the boot goes on), or why it ended without one. */
  done;
  /** The helper has ended. */
  closed;
  timings = [];
  child;
  stderr = "";
  ended = false;
  constructor(work, job, log) {
    const full = {
      ...job,
      work,
      owner: { uid: process.getuid?.() ?? 0, gid: process.getgid?.() ?? 0 },
      callerMountNs: readlinkSync("/proc/self/ns/mnt")
    };
    const jobPath = join(work, WORK_FILES.job);
    writeFileSync2(jobPath, JSON.stringify(full));
    const prefix = rootPrefix();
    if (typeof prefix === "string") throw new Error(prefix);
    const argv = [
      ...prefix,
      findTool("unshare"),
      "--mount",
      "--pid",
      "--net",
      "--ipc",
      "--uts",
      "--fork",
      "--kill-child",
      "--propagation",
      "private",
      "--",
      process.execPath,
      helperPath(),
      jobPath
    ];
    this.child = spawn2(argv[0], argv.slice(1), { stdio: ["pipe", "pipe", "pipe"], detached: true });
    const unregister = killOnExit(this.child);
    this.child.stderr.on("data", (d) => {
      this.stderr = (this.stderr + d.toString()).slice(-4e3);
    });
    this.child.stdin.on("error", () => {
    });
    let result;
    let answer = () => {
    };
    this.done = new Promise((resolve8) => answer = resolve8);
    createInterface({ input: this.child.stdout }).on("line", (line) => {
      let e;
      try {
        e = JSON.parse(line);
      } catch {
        log.info(`test helper: ${line}`);
        return;
      }
      if (e.event === "log") log.info(e.message);
      else if (e.event === "warning") log.warning(e.message);
      else if (e.event === "step") this.timings.push({ step: e.step, ms: e.ms });
      else if (e.event === "extracted")
        log.info(
          `Extracted ${e.entries} entries (${e.bytes} bytes of files) with metal-hammer's rules` + (e.end === "eof" ? "; the archive had no end-of-archive blocks" : "")
        );
      else if (e.event === "result") {
        result = e;
        answer(e);
      }
    });
    this.closed = new Promise((resolve8) => {
      this.child.on(
        "error",
        (err) => answer({
          event: "result",
          ok: false,
          phase: "extract",
          message: `cannot start the test helper: ${err.message}`
        })
      );
      this.child.on("close", (code2, signal) => {
        this.ended = true;
        unregister();
        this.child.stdin.destroy();
        answer(
          result ?? {
            event: "result",
            ok: false,
            phase: "extract",
            message: `the test helper ended (${signal ?? `exit code ${code2}`}) without an answer: ${this.stderr.trim().slice(-1e3)}`
          }
        );
        resolve8();
      });
    });
    const stdin = this.child.stdin;
    const failed = async () => {
      const r = await this.done;
      return new HelperFailure(
        r.ok ? { event: "result", ok: false, phase: "extract", message: "the helper took no more data" } : r
      );
    };
    const head = (n2) => {
      const b = Buffer.alloc(4);
      b.writeUInt32BE(n2, 0);
      return b;
    };
    this.input = new Writable({
      highWaterMark: 1 << 20,
      write: (chunk, _enc, cb) => {
        if (this.ended || stdin.destroyed) return void failed().then(cb);
        if (chunk.length === 0) return cb();
        stdin.write(head(chunk.length));
        stdin.write(chunk, (err) => err ? void failed().then(cb) : cb());
      },
      final: (cb) => {
        if (this.ended || stdin.destroyed) return void failed().then(cb);
        stdin.write(head(0), (err) => err ? void failed().then(cb) : cb());
      }
    });
  }
  /** Waits for the helper to end (it removes the root it extracted); `kill` ends it first. */
  async stop(kill) {
    if (this.ended) return;
    if (!kill) {
      await this.closed;
      return;
    }
    this.child.stdin.end();
    try {
      process.kill(-this.child.pid, "SIGTERM");
    } catch {
    }
    const timer = setTimeout(() => {
      try {
        process.kill(-this.child.pid, "SIGKILL");
      } catch {
      }
    }, 1e4);
    await this.closed;
    clearTimeout(timer);
  }
};
var HelperFailure = class extends Error {
  result;
  constructor(result) {
    super(result.message);
    this.name = "HelperFailure";
    this.result = result;
  }
};
function removeWork(work) {
  const prefix = rootPrefix();
  const argv = [
    ...typeof prefix === "string" ? [] : prefix,
    findTool("rm"),
    "-rf",
    "--one-file-system",
    work
  ];
  spawnSync(argv[0], argv.slice(1), { stdio: "ignore", timeout: 12e4 });
}

// src/verify/test.ts
var TestFailure = class extends StageError {
  phase;
  reason;
  installerTail;
  consoleTail;
  /** The full logs (installer.log, console.log) on this machine. */
  logs;
  constructor(phase, reason, tails, logs) {
    const parts = [`test failed in phase ${phase}: ${reason}; nothing was published`];
    if (tails.installer) parts.push(`--- installer output (last lines) ---
${tails.installer}`);
    if (tails.console) parts.push(`--- console (last lines) ---
${tails.console}`);
    if (logs.names.length)
      parts.push(`(full logs: ${logs.names.map((n2) => join2(logs.folder, n2)).join(", ")})`);
    super(`test-${phase}`, parts.join("\n"));
    this.name = "TestFailure";
    this.phase = phase;
    this.reason = reason;
    this.installerTail = tails.installer;
    this.consoleTail = tails.console;
    this.logs = logs;
  }
};
var STEP_TITLES = {
  extract: "test: extract (beside the compression)",
  install: "test: install",
  "boot-info": "test: boot-info.yaml",
  disk: "test: boot disk",
  boot: "test: boot",
  command: "test: test-command"
};
function untilAborted(promise, signal) {
  signal.throwIfAborted();
  return new Promise((resolve8, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
    promise.then(resolve8, reject).finally(() => signal.removeEventListener("abort", onAbort));
  });
}
function testPrerequisites(config) {
  if (config.mode === "off") return void 0;
  const missing = [...missingForInstall(), ...config.mode === "boot" ? missingForBoot() : []];
  if (missing.length === 0) return void 0;
  return `test: ${config.mode} cannot run here: ${missing.join("; ")}`;
}
var ImageTest = class _ImageTest {
  timings = [];
  config;
  log;
  signal;
  work;
  logs;
  machine;
  sandbox;
  answered = false;
  constructor(config, log, signal, now) {
    this.config = config;
    this.log = log;
    this.signal = signal;
    const base = process.env.RUNNER_TEMP || tmpdir();
    this.logs = mkdtempSync(join2(base, "metal-image-test-logs-"));
    this.work = mkdtempSync(join2(base, "metal-image-test-"));
    let machine = newMachine();
    let yaml = installYaml(machine, now);
    if (config.installYaml) {
      const path6 = resolve(config.installYaml);
      try {
        yaml = readFileSync(path6, "utf8");
        machine = machineFromYaml(yaml, machine);
      } catch (err) {
        throw new InputError("test-install-yaml", config.installYaml, err.message);
      }
    }
    this.machine = machine;
    this.sandbox = new InstallSandbox(
      this.work,
      {
        installYaml: yaml,
        rootUuid: machine.rootUuid,
        boot: config.mode === "boot",
        timeoutMs: config.timeoutMs
      },
      log
    );
  }
  /** Starts the root helper; it extracts the image as `input` receives it. */
  static start(config, options) {
    const missing = testPrerequisites(config);
    if (missing) throw new StageError("test", missing);
    return new _ImageTest(config, options.log, options.signal, options.now);
  }
  /** The published bytes go here too (a Tee beside the store). */
  get input() {
    return this.sandbox.input;
  }
  /** Waits for the installer and its checks, then boots; throws TestFailure. */
  async finish() {
    const result = await untilAborted(this.sandbox.done, this.signal);
    this.answered = true;
    for (const s of this.sandbox.timings) this.timings.push({ stage: STEP_TITLES[s.step], ms: s.ms });
    this.keep(WORK_FILES.installerLog, "installer.log");
    if (!result.ok) throw this.failure(result.phase, result.message, { installer: result.installerTail });
    this.log.info(
      `${result.installer} exited 0; boot-info.yaml: kernel ${result.bootInfo.kernel}, initrd ${result.bootInfo.initrd || "(none)"}, cmdline "${result.bootInfo.cmdline}"`
    );
    if (result.installerTail) this.log.info(`Installer output (last lines):
${result.installerTail}`);
    const doc = {
      mode: this.config.mode === "boot" ? "boot" : "install",
      passed: true,
      installer: result.installer,
      kernel: result.bootInfo.kernel,
      initrd: result.bootInfo.initrd,
      cmdline: result.bootInfo.cmdline,
      seconds: this.seconds()
    };
    if (this.config.mode !== "boot") return doc;
    const boot = await this.boot(result.bootInfo);
    doc.accel = boot.accel;
    doc.successLine = boot.line.trim();
    if (boot.command) doc.command = { exitCode: boot.command.exitCode, output: boot.command.output };
    doc.seconds = this.seconds();
    return doc;
  }
  async boot(info) {
    const consoleLog = join2(this.logs, "console.log");
    const start = performance.now();
    let boot;
    try {
      boot = await bootImage({
        kernel: join2(this.work, WORK_FILES.kernel),
        initrd: info.initrd ? join2(this.work, WORK_FILES.initrd) : void 0,
        cmdline: info.cmdline,
        disk: join2(this.work, WORK_FILES.disk),
        consoleLog,
        timeoutMs: this.config.timeoutMs,
        success: this.config.success,
        command: this.config.command ? { text: this.config.command, user: "metal", password: this.machine.password } : void 0,
        mac: this.machine.mac,
        log: this.log,
        signal: this.signal
      });
    } catch (err) {
      this.timings.push({ stage: STEP_TITLES.boot, ms: performance.now() - start });
      if (err instanceof BootFailure) throw this.failure(err.phase, err.message, { console: err.consoleTail });
      throw err;
    }
    this.timings.push({ stage: `${STEP_TITLES.boot} (${boot.accel.toUpperCase()})`, ms: boot.bootMs });
    if (boot.command) {
      this.timings.push({ stage: STEP_TITLES.command, ms: boot.command.ms });
      this.log.info(`test-command exited ${boot.command.exitCode}:
${tail(boot.command.output, 50)}`);
      if (boot.command.exitCode !== 0)
        throw this.failure("command", `test-command exited with ${boot.command.exitCode}`, {
          console: tail(boot.command.output, 40)
        });
    }
    return boot;
  }
  seconds() {
    const out = {};
    for (const s of this.sandbox.timings) out[s.step] = Math.round(s.ms / 100) / 10;
    for (const t of this.timings) {
      if (t.stage.startsWith(STEP_TITLES.boot)) out.boot = Math.round(t.ms / 100) / 10;
      if (t.stage === STEP_TITLES.command) out.command = Math.round(t.ms / 100) / 10;
    }
    return out;
  }
  /** Copies a log out of the scratch folder (which goes) into the logs folder (which stays). */
  keep(name, as) {
    const from = join2(this.work, name);
    if (!existsSync(from)) return void 0;
    mkdirSync(this.logs, { recursive: true });
    copyFileSync(from, join2(this.logs, as));
    return join2(this.logs, as);
  }
  /** The logs kept so far (installer.log, console.log). */
  logFiles() {
    const names = ["installer.log", "console.log"].filter((n2) => existsSync(join2(this.logs, n2)));
    return { folder: this.logs, names };
  }
  failure(phase, reason, tails) {
    return new TestFailure(phase, reason, tails, this.logFiles());
  }
  /**
   * Removes the scratch folder (the logs stay). After a result the helper is let finish removing its root;
   * otherwise (a failed or cancelled run) it is ended, and every process of its namespaces with it.
   */
  async close() {
    await this.sandbox.stop(!this.answered);
    removeWork(this.work);
  }
  /** A failure of the helper that reached the stream (extraction failed) as the test's failure. */
  explain(err) {
    if (!(err instanceof HelperFailure)) return err;
    this.keep(WORK_FILES.installerLog, "installer.log");
    return this.failure(err.result.phase, err.result.message, { installer: err.result.installerTail });
  }
};

// src/util/tool.ts
var TOOL = { name: "metal-image-action", version: "0.1.0" };

// src/store/local.ts
import { createHash } from "node:crypto";
import { createReadStream, createWriteStream as createWriteStream2, rmdirSync, rmSync } from "node:fs";
import {
  copyFile,
  link,
  lstat,
  mkdir,
  open,
  readdir,
  readFile,
  rename,
  rm,
  rmdir,
  stat,
  unlink,
  writeFile
} from "node:fs/promises";
import { isAbsolute, join as join3, relative, resolve as resolve2, sep } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { pipeline } from "node:stream/promises";
var LOCAL_LIFETIME_MS = 7 * 24 * 36e5;
function parseLocalDestination(destination, cwd = process.cwd()) {
  if (/^file:/i.test(destination)) {
    try {
      return fileURLToPath(destination);
    } catch (err) {
      throw new InputError("destination", destination, `not a valid file:// URL (${err.message})`);
    }
  }
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(destination))
    throw new InputError(
      "destination",
      destination,
      "unsupported scheme: expected a local directory (a path or a file:// URL)"
    );
  return resolve2(cwd, destination);
}
var LocalStore = class {
  root;
  /** The input the root came from, named in errors. */
  input;
  context;
  constructor(root, input, context = {}) {
    this.root = root;
    this.input = input;
    this.context = context;
  }
  url(path6) {
    return pathToFileURL(this.resolve(path6)).href;
  }
  async read(path6) {
    try {
      return await readFile(this.resolve(path6));
    } catch (err) {
      const code2 = err.code ?? "";
      if (code2 === "ENOENT" || code2 === "ENOTDIR") return void 0;
      throw new InputError(
        this.input,
        this.root,
        `cannot read ${this.resolve(path6)} (${code2}): expected a readable directory`
      );
    }
  }
  /** Names of the folders directly in `folder` (none when it does not exist). */
  async folders(folder) {
    try {
      const entries = await readdir(this.resolve(folder), { withFileTypes: true });
      return entries.filter((e) => e.isDirectory()).map((e) => e.name);
    } catch (err) {
      if (["ENOENT", "ENOTDIR"].includes(err.code ?? "")) return [];
      throw err;
    }
  }
  async size(path6) {
    return (await stat(this.resolve(path6)).catch(() => void 0))?.size;
  }
  /** Starts a set of files published together (see commit.ts). */
  async begin(folders, options = {}) {
    const owner = newOwner(LOCAL_LIFETIME_MS);
    const staging = new LocalStaging(this, owner);
    try {
      for (const folder of folders) await staging.prepare(folder);
    } catch (err) {
      await staging.discard();
      const code2 = err.code ?? "";
      throw new InputError(
        this.input,
        this.root,
        `cannot write to ${this.resolve(folders[0] ?? "")} (${code2 || err.message}): expected a writable directory`
      );
    }
    const tuning = this.context.tuning ?? {};
    const budgetMs = this.context.uploadTimeoutMs ?? 36e5;
    return new SetTransaction({
      objects: new LocalObjects(this, owner),
      staging,
      owner,
      signal: this.context.signal ?? new AbortController().signal,
      lock: {
        leaseMs: tuning.leaseMs ?? DEFAULT_LOCK_OPTIONS.leaseMs,
        settleMs: tuning.settleMs ?? 300,
        pollMs: tuning.pollMs ?? 100,
        deadline: performance.now() + budgetMs,
        budget: `upload-timeout of ${formatBudget(budgetMs)}`
      },
      log: options.log ?? silentLog,
      exclusive: options.exclusive ?? false
    });
  }
  resolve(path6) {
    const full = join3(this.root, ...path6.split("/"));
    const rel = relative(this.root, full);
    if (rel.startsWith("..") || isAbsolute(rel) || rel.split(sep).includes(".."))
      throw new InputError(this.input, this.root, `the path ${path6} would be outside the destination`);
    return full;
  }
};
var LocalObjects = class {
  lock;
  store;
  owner;
  constructor(store, owner) {
    this.store = store;
    this.owner = owner;
    this.lock = new LocalLock(store, owner);
  }
  url(path6) {
    return this.store.url(path6);
  }
  read(path6) {
    return this.store.read(path6);
  }
  async exists(path6) {
    return await lstat(this.store.resolve(path6)).catch(() => void 0) !== void 0;
  }
  /** Writes a temporary file beside it and renames it over: a reader sees the old bytes or the new. */
  async put(path6, data) {
    await atomicWrite(this.store, tempName(`${path6}~put`, this.owner, "partial"), path6, data);
  }
  async remove(path6) {
    await unlink(this.store.resolve(path6)).catch((err) => {
      if (err.code !== "ENOENT") throw err;
    });
  }
  async list(dir, deep = false) {
    const full = this.store.resolve(dir);
    const entries = await readdir(full, { withFileTypes: true }).catch(() => []);
    const files = [];
    for (const e of entries) {
      if (e.isDirectory()) {
        if (deep)
          for (const f of await this.list(dir ? `${dir}/${e.name}` : e.name, true))
            files.push({ ...f, name: `${e.name}/${f.name}` });
        continue;
      }
      const info = await lstat(join3(full, e.name)).catch(() => void 0);
      if (info) files.push({ name: e.name, modified: info.mtimeMs });
    }
    return files;
  }
  async place(path6, staged, exclusive) {
    if (staged.kind === "data") return this.put(path6, Buffer.from(staged.data, "base64"));
    if (staged.kind !== "file") throw new Error(`internal: a local store cannot place a ${staged.kind}`);
    const temp = this.store.resolve(staged.temp);
    const final = this.store.resolve(path6);
    try {
      if (exclusive) {
        await link(temp, final).catch(async (err) => {
          if (err.code !== "EEXIST") throw err;
          if ((await stat(final)).ino === staged.ino) return;
          throw new StageError("store", `${this.store.url(path6)} was published by another run first`);
        });
        await unlink(temp);
      } else {
        await rename(temp, final);
      }
    } catch (err) {
      if (err.code === "ENOENT" && !await this.exists(staged.temp))
        throw new NotPlaceable(`${this.store.url(staged.temp)} is gone`);
      throw err;
    }
  }
  async placed(path6, staged) {
    if (staged.kind === "data")
      return (await this.read(path6))?.equals(Buffer.from(staged.data, "base64")) ?? false;
    if (staged.kind !== "file") return false;
    return (await stat(this.store.resolve(path6)).catch(() => void 0))?.ino === staged.ino;
  }
  async drop(staged) {
    if (staged.kind === "file") await rm(this.store.resolve(staged.temp), { force: true });
  }
  /** A hard link: the earlier image stays whole under it when the new one is renamed over its name. */
  async keepAside(path6, temp) {
    const full = this.store.resolve(temp);
    await rm(full, { force: true });
    await link(this.store.resolve(path6), full);
    return { kind: "file", temp, ino: (await stat(full)).ino };
  }
  async removeTemp(path6, _kind) {
    await rm(this.store.resolve(path6), { force: true });
  }
};
var LocalLock = class {
  exact = { create: true, replace: false };
  store;
  owner;
  constructor(store, owner) {
    this.store = store;
    this.owner = owner;
  }
  async read(path6) {
    const full = this.store.resolve(path6);
    try {
      const handle = await open(full, "r");
      try {
        const info = await handle.stat({ bigint: true });
        return { body: await handle.readFile(), version: `${info.ino}:${info.ctimeNs}:${info.size}` };
      } finally {
        await handle.close();
      }
    } catch (err) {
      if (err.code === "ENOENT") return void 0;
      throw lockError(this.store, path6, "read", err);
    }
  }
  async create(path6, body) {
    const temp = this.store.resolve(tempName(path6, this.owner, "partial"));
    const unregister = removeOnExit(temp);
    try {
      const handle = await open(temp, "wx");
      try {
        await handle.writeFile(body);
        await handle.sync();
      } finally {
        await handle.close();
      }
      await link(temp, this.store.resolve(path6));
    } catch (err) {
      if (err.code === "EEXIST") return void 0;
      throw lockError(this.store, path6, "create", err);
    } finally {
      await rm(temp, { force: true });
      unregister();
    }
    return (await this.read(path6))?.version;
  }
  async replace(path6, body, version) {
    if ((await this.read(path6))?.version !== version) return void 0;
    await atomicWrite(this.store, tempName(path6, this.owner, "partial"), path6, body).catch((err) => {
      throw lockError(this.store, path6, "replace", err);
    });
    return (await this.read(path6))?.version;
  }
  async remove(path6, version) {
    if ((await this.read(path6))?.version !== version) return;
    await rm(this.store.resolve(path6), { force: true });
  }
};
function lockError(store, path6, op, err) {
  const code2 = err.code ?? err.message;
  return new StageError("store", `could not ${op} the lock ${store.url(path6)} (${code2})`, { cause: err });
}
async function atomicWrite(store, temp, path6, data) {
  const full = store.resolve(temp);
  const unregister = removeOnExit(full);
  try {
    await writeFile(full, data);
    await rename(full, store.resolve(path6));
  } catch (err) {
    await rm(full, { force: true });
    throw err;
  } finally {
    unregister();
  }
}
var LocalStaging = class {
  store;
  owner;
  /** Temporary files by their store path, and how to stop removing them on exit. */
  temps = /* @__PURE__ */ new Map();
  streams = /* @__PURE__ */ new Set();
  /** Folders this transaction created, outermost first. */
  created = [];
  /**
   * Per prepared folder, the probe file that stays until the first staged file is there: a folder is
   * never empty while a run is about to write into it, so another run that created it and gives up (its
   * discard removes the folders it made while empty) cannot take it away in between.
   */
  probes = /* @__PURE__ */ new Map();
  constructor(store, owner) {
    this.store = store;
    this.owner = owner;
  }
  /** Folders made for this set, removed (while empty) when the process ends before the set is in place. */
  unregisterFolders;
  /** Creates the folder (remembering what was new) and proves it writable before any work starts. */
  async prepare(folder) {
    const dir = this.store.resolve(folder);
    this.created.push(...await mkdirs(dir));
    this.unregisterFolders ??= onExit(() => {
      for (const made of [...this.created].reverse()) rmdirSync(made);
    });
    const probe = this.temp(`${folder}/.probe`);
    await writeFile(this.store.resolve(probe), "");
    this.probes.set(folder, probe);
  }
  /** The folder holds a staged file now: its probe goes. */
  async dropProbe(path6) {
    const folder = path6.slice(0, Math.max(0, path6.lastIndexOf("/")));
    const probe = this.probes.get(folder);
    if (!probe) return;
    this.probes.delete(folder);
    await unlink(this.store.resolve(probe)).catch(() => {
    });
    this.temps.get(probe)?.();
    this.temps.delete(probe);
  }
  /** A temporary name for `path`, removed on exit until handed over. */
  temp(path6) {
    const temp = tempName(path6, this.owner, "partial");
    if (!this.temps.has(temp)) this.temps.set(temp, removeOnExit(this.store.resolve(temp)));
    return temp;
  }
  async stagedFile(temp) {
    return { kind: "file", temp, ino: (await stat(this.store.resolve(temp))).ino };
  }
  createWriteStream(path6) {
    const temp = this.temp(path6);
    const stream = doneByCallback(createWriteStream2(this.store.resolve(temp), { highWaterMark: 1 << 20 }));
    stream.once("open", () => void this.dropProbe(path6));
    this.streams.add(stream);
    return Object.assign(stream, { staged: () => this.stagedFile(temp) });
  }
  async writeFile(path6, data) {
    const temp = this.temp(path6);
    await writeFile(this.store.resolve(temp), data);
    await this.dropProbe(path6);
    return this.stagedFile(temp);
  }
  /** A copy of a file of the same store, complete under its temporary name before anything is renamed. */
  async copy(from, to) {
    const temp = this.temp(to);
    await copyFile(this.store.resolve(from), this.store.resolve(temp));
    await this.dropProbe(to);
    const hash2 = createHash("md5");
    await pipeline(createReadStream(this.store.resolve(temp)), hash2);
    return { staged: await this.stagedFile(temp), md5: hash2.digest("hex") };
  }
  handOver(staged) {
    this.keepFolders();
    if (staged.kind !== "file") return;
    this.temps.get(staged.temp)?.();
    this.temps.delete(staged.temp);
  }
  /** Removes temporary files not handed over, and the folders this transaction created if empty. */
  async discard() {
    for (const stream of this.streams) stream.destroy();
    this.streams.clear();
    for (const [temp, unregister] of this.temps) {
      await rm(this.store.resolve(temp), { force: true });
      unregister();
    }
    this.temps.clear();
    this.probes.clear();
    for (const dir of this.created.reverse()) {
      try {
        await rmdir(dir);
      } catch {
        break;
      }
    }
    this.created.length = 0;
    this.unregisterFolders?.();
  }
  /** The set is in place: the folders made for it stay, and no probe (none is left once files are staged). */
  keepFolders() {
    this.created.length = 0;
    this.unregisterFolders?.();
    for (const [folder, probe] of this.probes) {
      this.probes.delete(folder);
      rmSync(this.store.resolve(probe), { force: true });
      this.temps.get(probe)?.();
      this.temps.delete(probe);
    }
  }
};
async function mkdirs(dir) {
  const missing = [];
  let at = dir;
  for (; ; ) {
    const info = await stat(at).catch((err) => {
      if (err.code === "ENOENT") return void 0;
      throw err;
    });
    if (info) {
      if (!info.isDirectory()) throw Object.assign(new Error(`${at} is not a directory`), { code: "ENOTDIR" });
      break;
    }
    missing.unshift(at);
    const parent = resolve2(at, "..");
    if (parent === at) break;
    at = parent;
  }
  for (const folder of missing) {
    await mkdir(folder).catch((err) => {
      if (err.code !== "EEXIST") throw err;
    });
  }
  return missing;
}

// src/store/open.ts
var BUCKET = { s3: /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, gcs: /^[a-z0-9][a-z0-9._-]{1,220}[a-z0-9]$/ };
var SEGMENT = /^[A-Za-z0-9_-][A-Za-z0-9._-]*$/;
function parseDestination(value, cwd = process.cwd()) {
  const m = /^(s3|gs):\/\/([^/]*)\/?(.*)$/.exec(value);
  if (!m) return { kind: "local", root: parseLocalDestination(value, cwd) };
  const kind = m[1] === "s3" ? "s3" : "gcs";
  const bucket = m[2];
  if (!BUCKET[kind].test(bucket) || bucket.includes(".."))
    throw new InputError(
      "destination",
      value,
      `"${bucket}" is not a valid ${kind === "s3" ? "S3" : "GCS"} bucket name`
    );
  const prefix = m[3].replace(/\/+$/, "");
  if (prefix !== "" && prefix.split("/").some((s) => !SEGMENT.test(s) || s.includes("..")))
    throw new InputError(
      "destination",
      value,
      'the prefix after the bucket must be folder names of letters, digits, ".", "_" and "-" separated by "/"'
    );
  return { kind, bucket, prefix };
}
async function openStore(value, options, context = {}) {
  const destination = parseDestination(value);
  checkOptions(destination, options);
  const full = { ...context, uploadTimeoutMs: options.uploadTimeoutMs };
  switch (destination.kind) {
    case "local":
      return new LocalStore(destination.root, "destination", full);
    case "s3": {
      const { S3Store } = await import("./s3-NZVRW4QG.js");
      return new S3Store(destination.bucket, destination.prefix, options, full);
    }
    case "gcs": {
      const { GcsStore } = await import("./gcs-D6BLXOXZ.js");
      return new GcsStore(destination.bucket, destination.prefix, options, full);
    }
  }
}
async function findCredentials(value, options = {}) {
  const destination = parseDestination(value);
  if (destination.kind === "local") return { found: true, source: "a local folder needs none" };
  if (destination.kind === "s3") {
    const { findS3Credentials } = await import("./s3-client-YTRYRDD2.js");
    return findS3Credentials(options.endpoint ?? "", options.timeoutMs);
  }
  if (process.env.STORAGE_EMULATOR_HOST)
    return { found: true, source: "an emulator (STORAGE_EMULATOR_HOST) needs none" };
  const { findGcsCredentials } = await import("./gcs-D6BLXOXZ.js");
  return findGcsCredentials(options.timeoutMs);
}
function checkOptions(destination, options) {
  const wrong = [
    ["endpoint", options.endpoint, destination.kind !== "s3"],
    ["acl", options.acl, destination.kind !== "s3"],
    ["predefined-acl", options.predefinedAcl, destination.kind !== "gcs"]
  ];
  for (const [name, value, misplaced] of wrong) {
    if (value !== "" && misplaced)
      throw new InputError(
        name,
        value,
        `only applies to ${name === "predefined-acl" ? "a gs://" : "an s3://"} destination, not ${destination.kind === "local" ? "a local folder" : `a ${destination.kind === "s3" ? "s3" : "gs"}:// one`}`
      );
  }
}

// src/release/files.ts
var IMAGE_FILE = "img.tar.lz4";
var PACKAGES_FILE = "packages.txt";
var CONTRACT_FILE = "contract.json";
var SBOM_FILE = "sbom.cdx.json";
var INDEX_FILE = "versions.json";
var CHECKSUM_ALGORITHMS = ["md5", "sha256", "sha512"];
function checksumFile(alg) {
  return `${IMAGE_FILE}.${alg}`;
}
var MD5_FILE = checksumFile("md5");
var CHECKSUM_FILES = CHECKSUM_ALGORITHMS.map(checksumFile);
var COMPANION_FILES = [...CHECKSUM_FILES, PACKAGES_FILE, CONTRACT_FILE, SBOM_FILE];
function checksumLine(hex, fileName = IMAGE_FILE) {
  return `${hex}  ${fileName}
`;
}
function parseChecksumLine(text2, alg = "md5") {
  const hexLength = { md5: 32, sha256: 64, sha512: 128 }[alg];
  const m = new RegExp(`^([0-9a-f]{${hexLength}}) {2}img\\.tar\\.lz4\\n?$`).exec(text2 ?? "");
  return m?.[1];
}
function setCommit(present) {
  const order2 = [IMAGE_FILE, ...COMPANION_FILES].filter((name) => present.includes(name));
  return {
    order: order2,
    companions: order2.filter((name) => name !== IMAGE_FILE && !CHECKSUM_FILES.includes(name)),
    seal: order2.filter((name) => CHECKSUM_FILES.includes(name)),
    retract: [...CHECKSUM_FILES],
    obsolete: COMPANION_FILES.filter((name) => !present.includes(name))
  };
}

// src/release/version.ts
var import_semver = __toESM(require_semver(), 1);
var LOOSE = { loose: true };
function utcDate(at) {
  return at.toISOString().slice(0, 10).replaceAll("-", "");
}
function isCalendarDate(date) {
  const m = /^(\d{4})(\d{2})(\d{2})$/.exec(date);
  if (!m) return false;
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const at = new Date(Date.UTC(year, month - 1, day));
  return year >= 1970 && at.getUTCFullYear() === year && at.getUTCMonth() === month - 1 && at.getUTCDate() === day;
}
var OS_VERSION = /^(0|[1-9]\d{0,8})(?:\.(\d{1,9}))?(?:\.(\d{1,9}))?((?:-[a-z][a-z0-9]*)*)$/;
function imageVersion(osName, osVersion, date, imageName = "") {
  const m = OS_VERSION.exec(osVersion);
  if (!m) throw new Error(`internal: os-version ${osVersion} was not checked`);
  const numbers = [m[1], m[2], m[3]].filter((n2) => n2 !== void 0).map((n2) => String(Number(n2)));
  const suffix = m[4].slice(1);
  const version = numbers.length === 3 ? numbers.join(".") : [...numbers, ...numbers.length === 1 ? ["0"] : [], date].join(".");
  const os = imageName || (suffix ? `${osName}-${suffix}` : osName);
  return { version, semver: import_semver.default.parse(version, LOOSE).version, imageId: `${os}-${version}`, date };
}
function datedVersion(osVersion) {
  return OS_VERSION.exec(osVersion)?.[3] === void 0;
}
function parseImageId(id) {
  const dash = id.lastIndexOf("-");
  if (dash <= 0) return void 0;
  const version = id.slice(dash + 1);
  return import_semver.default.valid(version, LOOSE) ? { os: id.slice(0, dash), version } : void 0;
}
function isVersion(v) {
  return import_semver.default.valid(v, LOOSE) !== null;
}
function compareVersions(a2, b) {
  return import_semver.default.compare(a2, b, LOOSE);
}
function sameMajorMinor(a2, b) {
  const pa = import_semver.default.parse(a2, LOOSE);
  const pb = import_semver.default.parse(b, LOOSE);
  return !!pa && !!pb && pa.major === pb.major && pa.minor === pb.minor;
}
function decideVersion(candidate, existing, onConflict) {
  const relevant = existing.filter((v) => import_semver.default.valid(v, LOOSE) && sameMajorMinor(v, candidate.version));
  const newest = relevant.sort(compareVersions).at(-1);
  if (newest && compareVersions(candidate.version, newest) < 0)
    throw new InputError(
      "date",
      candidate.date,
      `version ${candidate.version} would be lower than ${newest}, which already exists: metal-api would never pick it (use a later date)`
    );
  if (!relevant.some((v) => compareVersions(v, candidate.version) === 0))
    return { action: "publish", previous: newest };
  if (onConflict === "fail")
    throw new InputError(
      "on-conflict",
      onConflict,
      `version ${candidate.version} already exists: set on-conflict to overwrite to replace it, or skip to keep it`
    );
  return { action: onConflict, previous: newest };
}
function nextReleaseTag(today, tags) {
  const dates = tags.filter(isCalendarDate).sort();
  const newest = dates.at(-1);
  if (!newest || newest < today) return today;
  const [y, m, d] = [newest.slice(0, 4), newest.slice(4, 6), newest.slice(6, 8)].map(Number);
  return utcDate(new Date(Date.UTC(y, m - 1, d + 1)));
}

// src/release/versions-index.ts
async function readIndex(store, dir, osName, osVersion) {
  return parseIndex((await store.read(`${dir}/${INDEX_FILE}`))?.toString(), osName, osVersion);
}
function indexUpdate(dir, index, entry) {
  return {
    path: `${dir}/${INDEX_FILE}`,
    update: (current) => serializeIndex(withEntry(parseIndex(current?.toString(), index.osName, index.osVersion), entry))
  };
}
function parseIndex(text2, osName, osVersion) {
  const empty = { osName, osVersion, versions: [] };
  if (!text2) return empty;
  try {
    const data = JSON.parse(text2);
    const versions = (Array.isArray(data.versions) ? data.versions : []).filter(
      (e) => typeof e?.version === "string" && isVersion(e.version) && typeof e.imageId === "string" && typeof e.md5 === "string" && typeof e.size === "number" && typeof e.path === "string"
    );
    return { osName, osVersion, versions };
  } catch {
    return empty;
  }
}
function withEntry(index, entry) {
  const versions = index.versions.filter((e) => compareVersions(e.version, entry.version) !== 0);
  versions.push(entry);
  versions.sort((a2, b) => compareVersions(a2.version, b.version));
  return { ...index, versions };
}
function serializeIndex(index) {
  return JSON.stringify(index, null, 2) + "\n";
}

// src/app/promote.ts
async function promote(config, store, log) {
  const started = performance.now();
  const os = [config.osName, config.osVersion];
  const fromDir = [...config.fromChannel, ...os].join("/");
  const toDir = [...config.toChannel, ...os].join("/");
  const entry = await pickVersion(config, store, fromDir);
  const version = imageVersion(config.osName, config.osVersion, entry.date, config.imageName);
  const sub = config.layout === "versioned" ? `/${entry.date}` : "";
  const src = `${fromDir}${sub}`;
  const dst = `${toDir}${sub}`;
  const fromInput = config.fromChannel.join("/");
  const md5 = parseChecksumLine((await store.read(`${src}/${MD5_FILE}`))?.toString());
  if (await store.size(`${src}/${IMAGE_FILE}`) === void 0 || !md5)
    throw new InputError("from-channel", fromInput, `no image with its md5 at ${store.url(src)}/`);
  const present = await Promise.all(
    COMPANION_FILES.map(
      async (name) => await store.size(`${src}/${name}`) !== void 0 ? name : void 0
    )
  );
  const roles = setCommit([IMAGE_FILE, ...present.filter((n2) => n2 !== void 0)]);
  const common2 = {
    imageId: version.imageId,
    version: version.version,
    semver: version.semver,
    previous: void 0,
    releaseTag: "",
    channel: config.toChannel.join("/"),
    url: store.url(`${dst}/${IMAGE_FILE}`),
    md5,
    checksums: { md5 }
  };
  if (await store.size(`${dst}/${IMAGE_FILE}`) !== void 0) {
    if (config.onConflict === "skip") {
      log.info(`${store.url(dst)}/ already holds an image; on-conflict is skip: nothing copied`);
      return {
        ...common2,
        size: entry.size,
        files: [],
        method: "promotion skipped: the target exists",
        timings: []
      };
    }
    if (config.onConflict === "fail")
      throw new InputError(
        "to-channel",
        config.toChannel.join("/"),
        `${store.url(dst)}/ already holds an image: set on-conflict to overwrite to replace it`
      );
  }
  const tx = await store.begin([dst], { log });
  const at = (dir) => (name) => `${dir}/${name}`;
  try {
    let copied = "";
    for (const name of roles.order) {
      const md5OfCopy = await tx.copy(`${src}/${name}`, `${dst}/${name}`);
      if (name === IMAGE_FILE) copied = md5OfCopy;
    }
    if (copied !== md5)
      throw new StageError(
        "promote",
        `the copy of ${store.url(`${src}/${IMAGE_FILE}`)} has md5 ${copied}, not ${md5}`
      );
    const outcome = await tx.commit({
      lockDir: toDir,
      image: at(dst)(IMAGE_FILE),
      companions: roles.companions.map(at(dst)),
      seal: roles.seal.map(at(dst)),
      retract: roles.retract.map(at(dst)),
      obsolete: roles.obsolete.map(at(dst)),
      ...config.versionsJson ? {
        index: indexUpdate(toDir, config, {
          version: version.version,
          imageId: version.imageId,
          md5,
          size: entry.size || (await store.size(`${src}/${IMAGE_FILE}`) ?? 0),
          published: (/* @__PURE__ */ new Date()).toISOString(),
          path: `${sub.slice(1)}${sub ? "/" : ""}${IMAGE_FILE}`
        })
      } : {},
      // Another promotion may have filled the target while this one copied.
      decide: async () => {
        if (await store.size(`${dst}/${IMAGE_FILE}`) === void 0 || config.onConflict === "overwrite")
          return void 0;
        const there = parseChecksumLine((await store.read(`${dst}/${MD5_FILE}`))?.toString());
        if (config.onConflict === "skip" || there === md5)
          return `${store.url(dst)}/ was filled by another run meanwhile${there === md5 ? " with the same image" : ""}: nothing copied`;
        throw new StageError(
          "promote",
          `lost the race for ${store.url(dst)}/: another run put an image there while this one copied; nothing of this run was published`
        );
      }
    });
    if (!outcome.committed) {
      log.info(outcome.reason);
      return { ...common2, size: entry.size, files: [], method: outcome.reason, timings: [] };
    }
    const size = await store.size(`${dst}/${IMAGE_FILE}`) ?? entry.size;
    log.info(`${version.imageId}: ${store.url(src)}/ -> ${store.url(dst)}/ (md5 ${md5} checked)`);
    return {
      ...common2,
      size,
      files: roles.order.map((name) => ({ name, url: store.url(`${dst}/${name}`), bytes: 0 })),
      method: `promoted from ${fromInput}`,
      timings: [{ stage: "promote (copy, md5 check)", ms: performance.now() - started }]
    };
  } catch (err) {
    await tx.abort();
    throw err;
  } finally {
    tx.end();
  }
}
async function pickVersion(config, store, fromDir) {
  const index = await readIndex(store, fromDir, config.osName, config.osVersion);
  const dateOf = (e) => e.version.slice(e.version.lastIndexOf(".") + 1);
  if (config.date.kind === "fixed") {
    const wanted = config.date.date;
    const entry = index.versions.find((e) => dateOf(e) === wanted);
    return { date: wanted, size: entry?.size ?? 0 };
  }
  const newest = index.versions.at(-1);
  if (newest) return { date: dateOf(newest), size: newest.size };
  if (config.layout === "versioned") {
    const dates = (await store.folders(fromDir)).filter(isCalendarDate).sort();
    const date = dates.at(-1);
    if (date) return { date, size: 0 };
  }
  throw new InputError(
    "from-channel",
    config.fromChannel.join("/"),
    `no ${INDEX_FILE} at ${store.url(fromDir)}/ to tell which version is there: set date to the version's YYYYMMDD`
  );
}

// src/app/publish.ts
import { mkdir as mkdir3, writeFile as writeFile6 } from "node:fs/promises";
import { dirname as dirname3, join as join14 } from "node:path";
import { createWriteStream as createWriteStream4 } from "node:fs";
import { fileURLToPath as fileURLToPath5 } from "node:url";

// src/packages/installed.ts
import { closeSync, mkdirSync as mkdirSync2, mkdtempSync as mkdtempSync2, openSync, rmSync as rmSync2, writeSync } from "node:fs";
import { tmpdir as tmpdir2 } from "node:os";
import { dirname, join as join4 } from "node:path";

// src/packages/dpkg/list.ts
import { Buffer as Buffer4 } from "node:buffer";

// src/packages/dpkg/types.ts
import { Buffer as Buffer2 } from "node:buffer";
var DPKG_WANTS = ["unknown", "install", "hold", "deinstall", "purge"];
var DPKG_EFLAGS = ["ok", "reinstreq"];
var DPKG_STATUSES = [
  "not-installed",
  "config-files",
  "half-installed",
  "unpacked",
  "half-configured",
  "triggers-awaited",
  "triggers-pending",
  "installed"
];
var DPKG_MULTIARCH = ["no", "same", "allowed", "foreign"];
var DpkgParseError = class extends Error {
  name = "DpkgParseError";
};
var DPKG_LIMITS = { fieldBytes: 1 << 20, packages: 1e4, keptBytes: 16 << 20 };
var DpkgLimitError = class extends DpkgParseError {
  name = "DpkgLimitError";
};
var toBytes = (data) => typeof data === "string" ? Buffer2.from(data, "utf8") : data;
var rawBytes = /* @__PURE__ */ new WeakMap();
var NON_ASCII_BYTE = /[\x80-\xff]/;

// src/packages/dpkg/state.ts
import { Buffer as Buffer3 } from "node:buffer";
var LF = 10;
var MSDOS_EOF = 26;
var COLON = 58;
var HYPHEN = 45;
var ST_NOTINSTALLED = 0;
var ST_CONFIGFILES = 1;
var ST_HALFINSTALLED = 2;
var ST_TRIGGERSAWAITED = 5;
var ST_TRIGGERSPENDING = 6;
var ST_INSTALLED = 7;
var MA_SAME = 1;
var INT_MAX = 2147483647;
var isSpace = (c3) => c3 === 32 || c3 >= 9 && c3 <= 13;
var isBlank = (c3) => c3 === 32 || c3 === 9;
var isDigit = (c3) => c3 >= 48 && c3 <= 57;
var isAlpha = (c3) => c3 >= 65 && c3 <= 90 || c3 >= 97 && c3 <= 122;
var isAlnum = (c3) => isDigit(c3) || isAlpha(c3);
var asciiLower = (s) => /[\u0080-\uffff]/.test(s) ? s.replace(/[A-Z]+/g, (m) => m.toLowerCase()) : s.toLowerCase();
var blankSlot = () => ({
  name: "",
  want: 0,
  eflag: 0,
  status: ST_NOTINSTALLED,
  arch: null,
  multiArch: 0,
  version: { epoch: 0, upstream: null, revision: "" },
  synopsis: null,
  maintainer: false,
  configVersion: false,
  conffiles: false,
  trigPend: false,
  trigAw: false
});
var installedInstances = (set) => set ? set.slots.reduce((n2, s) => n2 + (s.status > ST_NOTINSTALLED ? 1 : 0), 0) : 0;
var ParseState = class {
  filename;
  type;
  db;
  lno = 0;
  /** The stanza being parsed, named in messages. */
  cur = null;
  nativeArch;
  constructor(filename, type, db) {
    this.filename = filename;
    this.type = type;
    this.db = db;
  }
  prefix() {
    return this.cur?.name ? `parsing file '${this.filename}' near line ${this.lno} package '${displayName(this.cur, this.nativeArch)}':
 ` : `parsing file '${this.filename}' near line ${this.lno}:
 `;
  }
  error(message) {
    throw new DpkgParseError(this.prefix() + message);
  }
  /** A limit of ours, not a rule of dpkg's: dpkg would read this database, metal-image does not. */
  limit(message) {
    throw new DpkgLimitError(this.prefix() + message);
  }
  warn(message) {
    this.db.warn(this.prefix() + message);
  }
};
var latin1 = (buf, start, end) => end - start <= 256 ? String.fromCharCode.apply(null, buf.subarray(start, end)) : Buffer3.from(buf.buffer, buf.byteOffset + start, end - start).toString("latin1");
var needsArchQualifier = (arch, multiArch, native) => arch !== "" && (multiArch === MA_SAME || arch !== native && arch !== "all");
var displayName = (pkg, native) => pkg.arch && needsArchQualifier(pkg.arch, pkg.multiArch, native) ? `${pkg.name}:${pkg.arch}` : pkg.name;
var LEGAL_NAME = /^[A-Za-z0-9][A-Za-z0-9+._-]*$/;
function pkgNameIllegal(p) {
  if (LEGAL_NAME.test(p)) return null;
  if (p === "") return "may not be empty string";
  if (!isAlnum(p.charCodeAt(0))) return "must start with an alphanumeric character";
  for (let i2 = 1; i2 < p.length; i2++) {
    const c3 = p.charCodeAt(i2);
    if (!isAlnum(c3) && c3 !== 45 && c3 !== 43 && c3 !== 46 && c3 !== 95)
      return `character '${p[i2]}' not allowed (only letters, digits and characters '-+._')`;
  }
  return null;
}
function archNameIllegal(p) {
  if (p === "") return "may not be empty string";
  if (!isAlnum(p.charCodeAt(0))) return "must start with an alphanumeric";
  for (let i2 = 1; i2 < p.length; i2++) {
    const c3 = p.charCodeAt(i2);
    if (!isAlnum(c3) && c3 !== HYPHEN)
      return `character '${p[i2]}' not allowed (only letters, digits and characters '-')`;
  }
  return null;
}
function parseNv(str, at, mode, names) {
  if (at >= str.length) return "is missing a value";
  const idx = names.findIndex((n2) => asciiLower(str.slice(at, at + n2.length)) === n2);
  if (idx < 0) return mode === "fallback" ? [-1, -1] : `has invalid value '${str.slice(at, at + 50)}'`;
  let end = at + names[idx].length;
  while (end < str.length && isSpace(str.charCodeAt(end))) end++;
  if (mode !== "next" && end < str.length) return "has trailing junk";
  return [idx, end];
}
function parseVersion(str) {
  const version = { epoch: 0, upstream: null, revision: "" };
  const fail = (error) => ({ version, error });
  let start = 0;
  while (start < str.length && isBlank(str.charCodeAt(start))) start++;
  if (start >= str.length) return fail("version string is empty");
  let end = start;
  while (end < str.length && !isBlank(str.charCodeAt(end))) end++;
  let p = end;
  while (p < str.length && isBlank(str.charCodeAt(p))) p++;
  if (p < str.length) return fail("version string has embedded spaces");
  const colon = str.indexOf(":", start);
  if (colon >= 0) {
    let q = start;
    while (q < str.length && isSpace(str.charCodeAt(q))) q++;
    const negative = str[q] === "-";
    if (str[q] === "-" || str[q] === "+") q++;
    const digits = q;
    while (q < str.length && isDigit(str.charCodeAt(q))) q++;
    if (q === digits) return fail("epoch in version is empty");
    if (q !== colon) return fail("epoch in version is not number");
    const value = Number(str.slice(digits, q));
    if (negative && value !== 0) return fail("epoch in version is negative");
    if (value > INT_MAX) return fail("epoch in version is too big");
    if (colon + 1 >= str.length) return fail("nothing after colon in version number");
    version.epoch = value;
    start = colon + 1;
  }
  let upstream = str.slice(start, end);
  const hyphen = upstream.lastIndexOf("-");
  version.upstream = upstream;
  if (hyphen >= 0) {
    const revision = upstream.slice(hyphen + 1);
    upstream = upstream.slice(0, hyphen);
    version.upstream = upstream;
    if (revision === "") return fail("revision number is empty");
    version.revision = revision;
  }
  if (upstream === "") return fail("version number is empty");
  if (!isDigit(upstream.charCodeAt(0)))
    return { version, warning: "version number does not start with digit" };
  for (let i2 = 1; i2 < upstream.length; i2++) {
    const c3 = upstream.charCodeAt(i2);
    if (!isAlnum(c3) && !".-+~:".includes(upstream[i2]))
      return { version, warning: "invalid character in version number" };
  }
  for (let i2 = 0; i2 < version.revision.length; i2++) {
    const c3 = version.revision.charCodeAt(i2);
    if (!isAlnum(c3) && !".+~".includes(version.revision[i2]))
      return { version, warning: "invalid character in revision number" };
  }
  return { version };
}
function describeVersion(v) {
  if (!(v.epoch || v.upstream || v.revision)) return null;
  const showEpoch = v.epoch !== 0 || (v.upstream ?? "").includes(":") || v.revision.includes(":");
  return (showEpoch ? `${v.epoch}:` : "") + (v.upstream ?? "") + (v.revision ? `-${v.revision}` : "");
}

// src/packages/dpkg/list.ts
var listed = (pkgs) => pkgs.filter((p) => p.status !== "not-installed");
function countListed(pkgs) {
  return listed(pkgs).length;
}
function inferDpkgNativeArch(pkgs) {
  const concrete = (p) => p.architecture !== "" && p.architecture !== "all";
  const dpkg = pkgs.find((p) => p.name === "dpkg" && p.status !== "not-installed" && concrete(p));
  if (dpkg) return dpkg.architecture;
  const counts = /* @__PURE__ */ new Map();
  for (const p of listed(pkgs))
    if (concrete(p)) counts.set(p.architecture, (counts.get(p.architecture) ?? 0) + 1);
  let best;
  for (const [arch, n2] of counts) if (best === void 0 || n2 > counts.get(best)) best = arch;
  return best;
}
function toBinary(text2) {
  const bin = /[\u0080-\uffff]/.test(text2) ? Buffer4.from(text2, "utf8").toString("latin1") : text2;
  const nul = bin.indexOf("\0");
  return nul < 0 ? bin : bin.slice(0, nul);
}
function binField(pkg, field2, value) {
  const raw = rawBytes.get(pkg)?.[field2];
  if (raw && raw.text === value) {
    const nul = raw.bin.indexOf("\0");
    return nul < 0 ? raw.bin : raw.bin.slice(0, nul);
  }
  return toBinary(value);
}
var isControl = (c3) => c3 < 32 || c3 === 127;
function strWidth(s) {
  let control = false;
  for (let i2 = 0; i2 < s.length; i2++) {
    const c3 = s.charCodeAt(i2);
    if (c3 >= 128) return s.length;
    if (isControl(c3)) control = true;
  }
  return control ? -1 : s.length;
}
function crop(s, maxWidth, pad) {
  let width = 0;
  let i2 = 0;
  let fieldBytes = -1;
  for (; i2 < s.length; i2++) {
    const c3 = s.charCodeAt(i2);
    if (c3 >= 128) {
      i2 = Math.min(maxWidth, s.length);
      fieldBytes = maxWidth;
      break;
    }
    if (isControl(c3) || width + 1 > maxWidth) break;
    width++;
  }
  if (fieldBytes < 0) fieldBytes = i2 + maxWidth - width;
  const out = s.slice(0, i2);
  return pad && out.length < fieldBytes ? out + " ".repeat(fieldBytes - out.length) : out;
}
function formatBinary(pkgs, options) {
  const rows = listed(pkgs);
  if (rows.length === 0) return "";
  const native = options.nativeArch ?? inferDpkgNativeArch(pkgs);
  const lines2 = rows.map((p) => {
    const arch = binField(p, "architecture", p.architecture);
    const needsArch = needsArchQualifier(arch, DPKG_MULTIARCH.indexOf(p.multiArch), native);
    return {
      p,
      needsArch,
      arch,
      name: toBinary(p.name) + (needsArch ? `:${arch}` : ""),
      version: p.version === null ? "<none>" : binField(p, "version", p.version),
      archDesc: arch === "" ? "<empty>" : arch,
      // lib/dpkg/pkg-show.c pkg_synopsis: up to the first newline.
      synopsis: p.synopsis === null ? "(no description available)" : binField(p, "synopsis", p.synopsis).split("\n")[0]
    };
  });
  const cmp2 = (a2, b) => a2 < b ? -1 : a2 > b ? 1 : 0;
  lines2.sort(
    (a2, b) => cmp2(a2.p.name, b.p.name) || (a2.needsArch === b.needsArch ? a2.needsArch ? cmp2(a2.arch, b.arch) : 0 : a2.needsArch ? 1 : -1)
  );
  let nw = 14;
  let vw = 12;
  let aw = 12;
  let dw = 33;
  for (const l of lines2) {
    nw = Math.max(nw, strWidth(l.name));
    vw = Math.max(vw, strWidth(l.version));
    aw = Math.max(aw, strWidth(l.archDesc));
    dw = Math.max(dw, l.synopsis.length);
  }
  const row = (flags, name, version, arch, desc, descWidth) => `${flags} ${crop(name, nw, true)} ${crop(version, vw, true)} ${crop(arch, aw, true)} ${crop(desc, descWidth, false)}
`;
  let out = "Desired=Unknown/Install/Remove/Purge/Hold\n| Status=Not/Inst/Conf-files/Unpacked/halF-conf/Half-inst/trig-aWait/Trig-pend\n|/ Err?=(none)/Reinst-required (Status,Err: uppercase=bad)\n" + row("||/", "Name", "Version", "Architecture", "Description", dw) + `+++-${"=".repeat(nw)}-${"=".repeat(vw)}-${"=".repeat(aw)}-${"=".repeat(dw)}
`;
  for (const l of lines2) {
    const flags = "uihrp"[DPKG_WANTS.indexOf(l.p.want)] + "ncHUFWti"[DPKG_STATUSES.indexOf(l.p.status)] + " R"[DPKG_EFLAGS.indexOf(l.p.eflag)];
    out += row(flags, l.name, l.version, l.archDesc, l.synopsis, l.synopsis.length);
  }
  return out;
}
function formatDpkgListBytes(pkgs, options = {}) {
  return Buffer4.from(formatBinary(pkgs, options), "latin1");
}

// src/packages/dpkg/parse.ts
import { Buffer as Buffer5, isUtf8 } from "node:buffer";
import { createHash as createHash2 } from "node:crypto";

// src/packages/dpkg/fields.ts
var words = (value) => value.split(/[ \t\n]+/).filter((w) => w !== "");
var DEPENDENCY_FIELDS = /* @__PURE__ */ new Set([
  "replaces",
  "provides",
  "depends",
  "pre-depends",
  "recommends",
  "suggests",
  "breaks",
  "conflicts",
  "enhances"
]);
var CHAR_FIELDS = [
  "section",
  "installed-size",
  "origin",
  "maintainer",
  "bugs",
  "source",
  "description"
];
var ARCHIVE_FIELDS = ["filename", "size", "md5sum", "msdos-filename"];
var KNOWN_FIELDS = new Map(
  [
    "Package",
    "Essential",
    "Protected",
    "Status",
    "Priority",
    "Section",
    "Installed-Size",
    "Origin",
    "Maintainer",
    "Bugs",
    "Architecture",
    "Multi-Arch",
    "Source",
    "Version",
    "Config-Version",
    "Replaces",
    "Provides",
    "Depends",
    "Pre-Depends",
    "Recommends",
    "Suggests",
    "Breaks",
    "Conflicts",
    "Enhances",
    "Conffiles",
    "Filename",
    "Size",
    "MD5sum",
    "MSDOS-Filename",
    "Description",
    "Triggers-Pending",
    "Triggers-Awaited",
    "Recommended",
    "Optional",
    "Class",
    "Revision",
    "Package-Revision",
    "Package_Revision"
  ].map((f) => [f.toLowerCase(), f])
);
function parseField(ps, pkg, key, fieldName, value) {
  switch (key) {
    case "package": {
      const e = pkgNameIllegal(value);
      if (e) ps.error(`invalid package name in '${fieldName}' field: ${e}`);
      pkg.name = asciiLower(value);
      return;
    }
    case "essential":
    case "protected": {
      if (!value) return;
      const r = parseNv(value, 0, "last", ["no", "yes"]);
      if (typeof r === "string") ps.error(`boolean (yes/no) '${fieldName}' field: ${r}`);
      return;
    }
    case "status": {
      const want = parseNv(value, 0, "next", DPKG_WANTS);
      if (typeof want === "string") ps.error(`first (want) word in '${fieldName}' field: ${want}`);
      const eflag = parseNv(value, want[1], "next", DPKG_EFLAGS);
      if (typeof eflag === "string") ps.error(`second (error) word in '${fieldName}' field: ${eflag}`);
      const status = parseNv(value, eflag[1], "last", DPKG_STATUSES);
      if (typeof status === "string") ps.error(`third (status) word in '${fieldName}' field: ${status}`);
      pkg.want = want[0];
      pkg.eflag = eflag[0];
      pkg.status = status[0];
      return;
    }
    case "class":
    case "priority": {
      if (key === "class") ps.warn(`obsolete '${fieldName}' field used`);
      if (!value) return;
      const r = parseNv(value, 0, "fallback", [
        "required",
        "important",
        "standard",
        "optional",
        "extra",
        "unknown"
      ]);
      if (typeof r === "string") ps.error(`word in '${fieldName}' field: ${r}`);
      return;
    }
    case "architecture": {
      pkg.arch = value;
      const e = value === "" ? null : archNameIllegal(value);
      if (e) ps.warn(`'${value}' is not a valid architecture name in '${fieldName}' field: ${e}`);
      return;
    }
    case "multi-arch": {
      if (!value) return;
      const r = parseNv(value, 0, "last", DPKG_MULTIARCH);
      if (typeof r === "string") ps.error(`quadstate (foreign/allowed/same/no) '${fieldName}' field: ${r}`);
      pkg.multiArch = r[0];
      return;
    }
    case "version":
    case "config-version": {
      const r = parseVersion(value);
      const msg = `'${fieldName}' field value '${value.slice(0, 250)}': ${r.error ?? r.warning}`;
      if (r.error) ps.error(msg);
      if (r.warning) ps.warn(msg);
      if (key === "version") pkg.version = r.version;
      else pkg.configVersion = true;
      return;
    }
    case "revision":
    case "package-revision":
    case "package_revision":
      ps.warn(`obsolete '${fieldName}' field used`);
      if (!value) return;
      if (pkg.version.revision) pkg.version.upstream = `${pkg.version.upstream ?? ""}-${pkg.version.revision}`;
      pkg.version.revision = value;
      return;
    case "recommended":
    case "optional":
      ps.warn(`obsolete '${fieldName}' field used`);
      return;
    case "conffiles":
      pkg.conffiles = value !== "";
      return;
    case "triggers-pending": {
      const seen = /* @__PURE__ */ new Set();
      for (const w of words(value)) {
        if ([...w].some((ch) => ch <= " " || ch >= "\x7F"))
          ps.error(
            `illegal pending trigger name '${w.slice(0, 255)}': trigger name contains invalid character`
          );
        if (seen.has(w)) ps.error(`duplicate pending trigger '${w.slice(0, 255)}'`);
        seen.add(w);
      }
      pkg.trigPend = seen.size > 0;
      return;
    }
    case "triggers-awaited": {
      const seen = /* @__PURE__ */ new Set();
      for (const w of words(value)) seen.add(awaitedTriggerKey(ps, w));
      pkg.trigAw = seen.size > 0;
      return;
    }
    default:
      if (CHAR_FIELDS.includes(key)) {
        if (!value) return;
        if (key === "maintainer") pkg.maintainer = true;
        return;
      }
      if (ARCHIVE_FIELDS.includes(key)) {
        if (!value) ps.error(`empty archive details '${fieldName}' field`);
        ps.error(`archive details '${fieldName}' field not allowed in status file`);
      }
  }
}
function awaitedTriggerKey(ps, word) {
  const colon = word.indexOf(":");
  const name = colon < 0 ? word : word.slice(0, colon);
  const arch = colon < 0 ? null : word.slice(colon + 1);
  const bad = (e2) => ps.error(`illegal package name in awaited trigger '${word.slice(0, 255)}': ${e2}`);
  const e = pkgNameIllegal(name);
  if (e) bad(`illegal package name in specifier '${word}': ${e}`);
  if (arch !== null) {
    const ea = archNameIllegal(arch);
    if (ea) bad(`illegal architecture name in specifier '${word}': ${ea}`);
    return `${asciiLower(name)}:${arch}`;
  }
  const set = ps.db.sets.get(asciiLower(name));
  if (installedInstances(set) > 1)
    bad(`ambiguous package name '${asciiLower(name)}' with more than one installed instance`);
  const single = set?.slots.find((s) => s.status > ST_NOTINSTALLED);
  return single ? `${asciiLower(name)}:${single.arch ?? ""}` : asciiLower(name);
}

// src/packages/dpkg/parse.ts
var NAME_KEEP = 1024;
var BETWEEN = 0;
var NAME = 1;
var PRECOLON = 2;
var POSTCOLON = 3;
var VALUE = 4;
var AFTER_TERM = 5;
var FieldValue = class {
  head;
  /** Bytes seen. */
  length = 0;
  /** Length once trailing blanks are trimmed, as dpkg trims them. */
  trimmed = 0;
  nul = -1;
  lf = -1;
  constructor(cap) {
    this.head = Buffer5.allocUnsafe(Math.min(cap, 4096));
    this.cap = cap;
  }
  cap;
  reset() {
    this.length = this.trimmed = 0;
    this.nul = this.lf = -1;
  }
  /** Takes buf[from, to), where `nul` is the first NUL at or after `from` (or -1). */
  add(buf, from, to, nul) {
    if (from >= to) return;
    const at = this.length;
    if (at < this.cap) {
      const n2 = Math.min(to - from, this.cap - at);
      if (at + n2 > this.head.length) {
        const grown = Buffer5.allocUnsafe(Math.min(this.cap, Math.max(2 * this.head.length, at + n2)));
        this.head.copy(grown, 0, 0, at);
        this.head = grown;
      }
      if (n2 < 64) for (let k = 0; k < n2; k++) this.head[at + k] = buf[from + k];
      else this.head.set(buf.subarray(from, from + n2), at);
    }
    if (this.nul < 0 && nul >= 0 && nul < to) this.nul = at + nul - from;
    for (let i2 = to - 1; i2 >= from; i2--)
      if (!isSpace(buf[i2])) {
        this.trimmed = at + i2 - from + 1;
        break;
      }
    this.length = at + to - from;
  }
  /** Takes the LF or ^Z that ended a line. */
  addTerminator(c3) {
    const at = this.length;
    if (c3 === LF) {
      if (this.lf < 0) this.lf = at;
    } else {
      this.trimmed = at + 1;
    }
    if (at < this.cap) {
      if (at >= this.head.length) {
        const grown = Buffer5.allocUnsafe(Math.min(this.cap, 2 * this.head.length));
        this.head.copy(grown, 0, 0, at);
        this.head = grown;
      }
      this.head[at] = c3;
    }
    this.length = at + 1;
  }
  /** The end of what a reader sees: trimmed, and cut at a NUL (readers get a C string). */
  get end() {
    return this.nul >= 0 && this.nul < this.trimmed ? this.nul : this.trimmed;
  }
  /** The first `n` bytes (n <= cap), as a binary string. */
  text(n2) {
    return latin1(this.head, 0, n2);
  }
};
var FileParser = class {
  ps;
  limits;
  state = BETWEEN;
  held = -1;
  one = new Uint8Array(1);
  pkg = blankSlot();
  encountered = /* @__PURE__ */ new Set();
  // The field name: its first NAME_KEEP bytes, and a digest of all of it when it is longer.
  name = Buffer5.allocUnsafe(NAME_KEEP);
  nameLength = 0;
  nameDigest;
  nameText = "";
  value;
  blankLine = false;
  /** The LF or ^Z that ended the last value line, in state AFTER_TERM. */
  term = 0;
  // Where the next ^Z and NUL are in the piece being read (both are rare: one search per piece).
  subIn;
  subAt = -1;
  nulIn;
  nulAt = -1;
  constructor(ps) {
    this.ps = ps;
    this.limits = ps.db.limits;
    this.value = new FieldValue(this.limits.fieldBytes);
  }
  write(buf) {
    if (buf.length === 0) return;
    if (this.held >= 0) this.runByte(this.held);
    this.run(buf, 0, buf.length - 1);
    this.held = buf[buf.length - 1];
  }
  end() {
    if (this.held >= 0) this.last(this.held);
    this.held = -1;
  }
  /** Bytes buf[i, end), none of them the file's last. */
  run(buf, i2, end) {
    const ps = this.ps;
    while (i2 < end) {
      switch (this.state) {
        case BETWEEN: {
          const c3 = buf[i2++];
          if (c3 === LF || c3 === MSDOS_EOF) ps.lno++;
          else this.startStanza(c3);
          break;
        }
        case NAME: {
          const c3 = buf[i2];
          if (isSpace(c3) || c3 === COLON || c3 === MSDOS_EOF) {
            this.endName();
            this.state = PRECOLON;
          } else {
            this.nameByte(c3);
            i2++;
          }
          break;
        }
        case PRECOLON: {
          const c3 = buf[i2++];
          if (c3 !== LF && isSpace(c3)) break;
          const fieldName = this.fieldName();
          if (c3 === LF) ps.error(`newline in field name '${fieldName}'`);
          if (c3 === MSDOS_EOF) ps.error(`MSDOS end of file (^Z) in field name '${fieldName}'`);
          if (c3 !== COLON) ps.error(`field name '${fieldName}' must be followed by colon`);
          this.state = POSTCOLON;
          break;
        }
        case POSTCOLON: {
          const c3 = buf[i2];
          if (c3 !== LF && isSpace(c3)) {
            i2++;
            break;
          }
          if (c3 === MSDOS_EOF)
            ps.error(`MSDOS end of file (^Z) in value of field '${this.fieldName()}' (missing newline?)`);
          this.value.reset();
          this.blankLine = false;
          this.state = VALUE;
          break;
        }
        case VALUE: {
          const t = this.nextTerminator(buf, i2, end);
          const to = t < 0 ? end : t;
          if (this.blankLine) {
            for (let k = i2; k < to; k++)
              if (!isSpace(buf[k])) {
                this.blankLine = false;
                break;
              }
          }
          this.value.add(buf, i2, to, this.nextNul(buf, i2));
          i2 = to;
          if (t < 0) break;
          this.terminator(buf[t]);
          i2++;
          break;
        }
        case AFTER_TERM: {
          const c3 = buf[i2];
          this.value.addTerminator(this.term);
          if (c3 === LF || !isSpace(c3)) {
            i2++;
            this.endField();
            if (c3 === LF || c3 === MSDOS_EOF) this.endStanza(c3);
            else this.startField(c3);
          } else {
            this.blankLine = true;
            this.state = VALUE;
          }
          break;
        }
      }
    }
  }
  /** One byte that is not the file's last, outside any piece. */
  runByte(c3) {
    this.one[0] = c3;
    this.run(this.one, 0, 1);
    this.subIn = this.nulIn = void 0;
  }
  /** The file's last byte. */
  last(c3) {
    const ps = this.ps;
    switch (this.state) {
      case BETWEEN:
        return;
      case NAME:
        this.endName();
        return ps.error(`end of file after field name '${this.fieldName()}'`);
      case PRECOLON:
        return ps.error(`end of file after field name '${this.fieldName()}'`);
      case POSTCOLON:
        return ps.error(`end of file before value of field '${this.fieldName()}' (missing final newline)`);
      case VALUE:
        if (c3 !== LF && c3 !== MSDOS_EOF)
          ps.error(`end of file during value of field '${this.fieldName()}' (missing final newline)`);
        this.terminator(c3);
        this.endField();
        this.endStanza(c3);
        return;
      case AFTER_TERM:
        this.value.addTerminator(this.term);
        this.endField();
        this.endStanza(c3);
    }
  }
  /** The LF or ^Z at the end of a value line. */
  terminator(c3) {
    if (this.blankLine) this.ps.warn(`blank line in value of field '${this.fieldName()}'`);
    this.ps.lno++;
    this.term = c3;
    this.state = AFTER_TERM;
  }
  startStanza(c3) {
    this.pkg = blankSlot();
    this.ps.cur = this.pkg;
    this.encountered = /* @__PURE__ */ new Set();
    this.startField(c3);
  }
  startField(c3) {
    this.nameLength = 0;
    this.nameDigest = void 0;
    this.state = NAME;
    if (isSpace(c3) || c3 === COLON || c3 === MSDOS_EOF) this.endName();
    this.nameByte(c3);
  }
  nameByte(c3) {
    if (this.nameLength < NAME_KEEP) this.name[this.nameLength] = c3;
    else {
      if (!this.nameDigest) {
        this.nameDigest = createHash2("sha256");
        this.nameDigest.update(lowerAscii(this.name));
      }
      this.nameDigest.update(lowerAscii(Uint8Array.of(c3)));
    }
    this.nameLength++;
  }
  endName() {
    const kept = latin1(this.name, 0, Math.min(this.nameLength, NAME_KEEP));
    this.nameText = this.nameLength > NAME_KEEP ? `${kept}...` : kept;
    if (this.nameLength === 0) this.ps.error("empty field name");
    if (this.name[0] === HYPHEN) this.ps.error(`field name '${this.fieldName()}' cannot start with hyphen`);
  }
  /** The name as messages show it (once endName() has seen all of it). */
  fieldName() {
    return this.nameText;
  }
  endField() {
    const key = this.nameLength > NAME_KEEP ? `#${this.nameLength}:${this.nameDigest.copy().digest("hex")}` : asciiLower(this.fieldName());
    handleField(this.ps, this.pkg, this.encountered, this.fieldName(), key, this.value);
  }
  /** lib/dpkg/parse.c parsedb_parse, after each stanza. */
  endStanza(c3) {
    const ps = this.ps;
    if (c3 === LF) ps.lno++;
    const pkg = this.pkg;
    verifyStanza(ps, pkg);
    const db = ps.db;
    const known = db.order.length;
    const slot = findSlot(ps, pkg);
    db.kept += keptBytes(pkg) - (db.order.length > known ? 0 : keptBytes(slot));
    Object.assign(slot, pkg, { name: slot.name });
    if (db.order.length > this.limits.packages)
      ps.limit(`more than ${this.limits.packages} package instances: more than metal-image reads`);
    if (db.kept > this.limits.keptBytes)
      ps.limit(
        `the names, versions and descriptions of the packages take more than ${this.limits.keptBytes} bytes: more than metal-image reads`
      );
    this.state = BETWEEN;
  }
  /** Index of the first NUL at or after `from`, or -1. */
  nextNul(buf, from) {
    if (this.nulIn !== buf || this.nulAt >= 0 && this.nulAt < from) {
      this.nulIn = buf;
      this.nulAt = buf.indexOf(0, from);
    }
    return this.nulAt;
  }
  /** Index of the first LF or ^Z in buf[from, end), or -1. */
  nextTerminator(buf, from, end) {
    if (this.subIn !== buf || this.subAt >= 0 && this.subAt < from) {
      this.subIn = buf;
      this.subAt = buf.indexOf(MSDOS_EOF, from);
    }
    let t = buf.indexOf(LF, from);
    if (this.subAt >= 0 && (t < 0 || this.subAt < t)) t = this.subAt;
    return t >= 0 && t < end ? t : -1;
  }
};
var lowerAscii = (bytes) => bytes.map((b) => b >= 65 && b <= 90 ? b + 32 : b);
function keptBytes(slot) {
  const v = slot.version;
  return slot.name.length + (slot.arch?.length ?? 0) + (slot.synopsis?.length ?? 0) + (v.upstream?.length ?? 0) + v.revision.length;
}
var READ_WHOLE = /* @__PURE__ */ new Set([
  "package",
  "essential",
  "protected",
  "status",
  "class",
  "priority",
  "architecture",
  "multi-arch",
  "version",
  "config-version",
  "revision",
  "package-revision",
  "package_revision",
  "triggers-pending",
  "triggers-awaited"
]);
function handleField(ps, pkg, encountered, fieldName, key, value) {
  const known = KNOWN_FIELDS.get(key);
  if (known === void 0) {
    if (fieldName.length < 2) ps.error(`user-defined field name '${fieldName}' too short`);
    if (encountered.has(key)) ps.error(`duplicate value for user-defined field '${fieldName}'`);
    encountered.add(key);
    return;
  }
  if (encountered.has(key)) ps.error(`duplicate value for '${known}' field`);
  encountered.add(key);
  if (DEPENDENCY_FIELDS.has(key)) return;
  const end = value.end;
  const limit = ps.db.limits.fieldBytes;
  if (key === "description") {
    if (end === 0) return;
    const synopsis = value.lf >= 0 && value.lf < end ? value.lf : end;
    if (synopsis > limit)
      ps.limit(
        `the first line of its 'Description' field is longer than ${limit} bytes: more than metal-image reads`
      );
    pkg.synopsis = value.text(synopsis);
    return;
  }
  if (!READ_WHOLE.has(key)) {
    parseField(ps, pkg, key, known, value.text(Math.min(end, 64)));
    return;
  }
  if (end > limit) ps.limit(`its '${known}' field is longer than ${limit} bytes: more than metal-image reads`);
  parseField(ps, pkg, key, known, value.text(end));
}
function verifyStanza(ps, pkg) {
  if (!pkg.name) ps.error("missing 'Package' field");
  if (pkg.status !== ST_NOTINSTALLED && pkg.status !== ST_HALFINSTALLED) {
    if (pkg.synopsis === null) {
      ps.warn("missing 'Description' field");
      pkg.synopsis = "";
    }
    if (!pkg.maintainer) ps.warn("missing 'Maintainer' field");
    if (pkg.version.upstream === null) ps.error("missing 'Version' field");
    if (pkg.version.upstream === "") ps.error("empty value for 'Version' field");
  }
  if (pkg.status > ST_HALFINSTALLED) {
    if (pkg.arch === null) ps.warn("missing 'Architecture' field");
    else if (pkg.arch === "") ps.warn("empty value for 'Architecture' field");
  }
  if (pkg.arch === null) pkg.arch = "";
  if (pkg.arch === "" && pkg.multiArch === MA_SAME)
    ps.error("package has 'Multi-Arch: same' field but is missing architecture");
  if (pkg.arch === "all" && pkg.multiArch === MA_SAME)
    ps.error("package has 'Multi-Arch: same' field but is architecture 'all'");
  if (pkg.configVersion && (pkg.status === ST_INSTALLED || pkg.status === ST_NOTINSTALLED || pkg.status === ST_TRIGGERSPENDING))
    ps.error("'Config-Version' field present for package with inappropriate 'Status' field");
  const status = DPKG_STATUSES[pkg.status];
  if (pkg.trigAw && (pkg.status <= ST_CONFIGFILES || pkg.status >= ST_TRIGGERSPENDING))
    ps.error(`package has status ${status} but triggers are awaited`);
  else if (pkg.status === ST_TRIGGERSAWAITED && !pkg.trigAw)
    ps.error(`package has status ${status} but no triggers awaited`);
  if (pkg.trigPend && !(pkg.status === ST_TRIGGERSPENDING || pkg.status === ST_TRIGGERSAWAITED))
    ps.error(`package has status ${status} but triggers are pending`);
  else if (pkg.status === ST_TRIGGERSPENDING && !pkg.trigPend)
    ps.error(`package has status ${status} but no triggers pending`);
  if (pkg.status === ST_NOTINSTALLED && pkg.conffiles)
    ps.warn(`package has status ${status} and has conffiles, forgetting them`);
}
function getSlot(db, set, name, arch) {
  const found = set.slots.find((s) => s.arch === arch);
  if (found) return found;
  const slot = blankSlot();
  slot.name = name;
  slot.arch = arch;
  set.slots.push(slot);
  db.order.push(slot);
  return slot;
}
function findSlot(ps, pkg) {
  const db = ps.db;
  let set = db.sets.get(pkg.name);
  if (!set) {
    set = { slots: [] };
    db.sets.set(pkg.name, set);
  }
  let single = 0;
  let multi = 0;
  const count2 = (p) => {
    if (p.status === ST_NOTINSTALLED) return;
    if (p.multiArch === MA_SAME) multi++;
    else single++;
  };
  if (ps.type === "status") count2(pkg);
  set.slots.forEach(count2);
  if (single > 1)
    ps.error(
      "multiple non-coinstallable package instances present; most probably due to an upgrade from an unofficial dpkg"
    );
  if (single > 0 && multi > 0)
    ps.error(
      "mixed non-coinstallable and coinstallable package instances present; most probably due to an upgrade from an unofficial dpkg"
    );
  const arch = pkg.arch ?? "";
  const selection = ps.type === "status" && pkg.status === ST_NOTINSTALLED;
  const installed = installedInstances(set);
  if (installed > 1 && !selection && pkg.multiArch !== MA_SAME) {
    const ver = describeVersion(pkg.version) ?? "<none>";
    throw new DpkgParseError(
      `package ${arch ? `${pkg.name}:${arch}` : pkg.name} (${ver}) with field 'Multi-Arch: ${DPKG_MULTIARCH[pkg.multiArch]}' is not co-installable with ${pkg.name} which has multiple installed instances`
    );
  }
  if (ps.type === "status" || installed !== 1) return getSlot(db, set, pkg.name, arch);
  const current = set.slots.find((s) => s.status > ST_NOTINSTALLED);
  if (current.multiArch === MA_SAME && pkg.multiArch === MA_SAME) return getSlot(db, set, pkg.name, arch);
  return current;
}
function parseFile(db, buf, filename, type, nativeArch) {
  const ps = new ParseState(filename, type, db);
  ps.nativeArch = nativeArch;
  const parser = new FileParser(ps);
  parser.write(buf);
  parser.end();
}
function decode(raw, field2, bin) {
  if (!NON_ASCII_BYTE.test(bin)) return bin;
  const bytes = Buffer5.from(bin, "latin1");
  const text2 = bytes.toString("utf8");
  if (!isUtf8(bytes)) raw[field2] = { text: text2, bin };
  return text2;
}
var DpkgStatusReader = class {
  db;
  parser;
  ps;
  options;
  failed;
  ended = false;
  constructor(options = {}) {
    this.options = options;
    this.db = {
      sets: /* @__PURE__ */ new Map(),
      order: [],
      warn: options.onWarning ?? (() => {
      }),
      limits: options.limits ?? DPKG_LIMITS,
      kept: 0
    };
    const ps = new ParseState(options.filename ?? "/var/lib/dpkg/status", "status", this.db);
    ps.nativeArch = options.nativeArch;
    this.ps = ps;
    this.parser = new FileParser(ps);
  }
  write(piece) {
    if (this.failed) return;
    try {
      this.parser.write(piece);
    } catch (error) {
      this.failed = { error };
    }
  }
  end() {
    if (this.failed || this.ended) return;
    this.ended = true;
    try {
      this.parser.end();
    } catch (error) {
      this.failed = { error };
    }
  }
  /**
   * Every package instance dpkg knows, including not-installed ones, in order of first appearance, with
   * the updates journal applied (by default options.updates). Throws DpkgParseError where dpkg would
   * refuse the database, DpkgLimitError where it is larger than DpkgLimits. Call once, after end().
   */
  packages(journal = this.options.updates ?? []) {
    if (this.failed) throw this.failed.error;
    if (!this.ended) throw new DpkgParseError(`${this.ps.filename}: the stream ended inside it`);
    const { db, options } = this;
    const updates = journal.filter((u2) => /^[0-9]+$/.test(u2.name));
    for (const u2 of updates) {
      if (u2.name.length > 10)
        throw new DpkgParseError(
          `updates directory contains file '${u2.name}' whose name is too long (length=${u2.name.length}, max=10)`
        );
      if (u2.name.length !== updates[0].name.length)
        throw new DpkgParseError(
          `updates directory contains files with different length names (both ${u2.name.length} and ${updates[0].name.length})`
        );
    }
    for (const u2 of [...updates].sort((a2, b) => a2.name < b.name ? -1 : a2.name > b.name ? 1 : 0))
      parseFile(db, toBytes(u2.data), `/var/lib/dpkg/updates/${u2.name}`, "update", options.nativeArch);
    return db.order.map((slot) => {
      const raw = {};
      const version = describeVersion(slot.version);
      const pkg = {
        name: slot.name,
        architecture: decode(raw, "architecture", slot.arch ?? ""),
        multiArch: DPKG_MULTIARCH[slot.multiArch],
        want: DPKG_WANTS[slot.want],
        eflag: DPKG_EFLAGS[slot.eflag],
        status: DPKG_STATUSES[slot.status],
        version: version === null ? null : decode(raw, "version", version),
        synopsis: slot.synopsis === null ? null : decode(raw, "synopsis", slot.synopsis)
      };
      if (Object.keys(raw).length) rawBytes.set(pkg, raw);
      return pkg;
    });
  }
};

// src/packages/rpm/reader.ts
import { spawn as spawn3 } from "node:child_process";
import { readFile as readFile2 } from "node:fs/promises";
import { fileURLToPath as fileURLToPath2 } from "node:url";
var ISOLATION_LIMITS = {
  ...RPMDB_LIMITS,
  ms: 6e4,
  rssBytes: 512 << 20,
  heapMb: 256
};
var WATCH_MS = 50;
async function readRpmDbIsolated(file, { signal, limits = ISOLATION_LIMITS } = {}) {
  signal?.throwIfAborted();
  const request = { file, limits: { rows: limits.rows, headerBytes: limits.headerBytes } };
  const child = spawn3(
    process.execPath,
    [
      `--max-old-space-size=${limits.heapMb}`,
      "--no-warnings",
      fileURLToPath2(workerUrl("rpmdb-reader")),
      JSON.stringify(request)
    ],
    { stdio: ["ignore", "pipe", "pipe"], env: {} }
  );
  const out = [];
  let stderr = "";
  child.stdout.on("data", (chunk) => out.push(chunk));
  child.stderr.on("data", (chunk) => stderr = (stderr + chunk.toString()).slice(-2e3));
  let stopped;
  const stop = (why) => {
    stopped ??= why;
    child.kill("SIGKILL");
  };
  const timer = setTimeout(
    () => stop(new RpmDbLimitError(`reading it took longer than ${limits.ms / 1e3} s: stopped`)),
    limits.ms
  );
  const watch = setInterval(() => {
    void rssOf(child.pid).then((rss) => {
      if (rss > limits.rssBytes)
        stop(new RpmDbLimitError(`reading it took more than ${limits.rssBytes >> 20} MiB of memory: stopped`));
    });
  }, WATCH_MS);
  const onAbort = () => stop(signal.reason instanceof Error ? signal.reason : new Error(String(signal.reason)));
  signal?.addEventListener("abort", onAbort, { once: true });
  try {
    const [code2, killedBy] = await new Promise((resolve8, reject) => {
      child.once("error", reject);
      child.once("close", (c3, s) => resolve8([c3, s]));
    });
    if (signal?.aborted) throw signal.reason;
    if (stopped) throw stopped;
    if (code2 !== 0) {
      const outOfMemory = /heap out of memory|Allocation failed/.test(stderr);
      throw new RpmDbLimitError(
        outOfMemory ? `reading it took more than its ${limits.heapMb} MB of heap: stopped` : `the process reading it failed (${killedBy ?? `exit code ${code2}`}): ${stderr.trim().split("\n").at(-1) ?? ""}`
      );
    }
    const answer = JSON.parse(Buffer.concat(out).toString("utf8"));
    if ("error" in answer) {
      const { message, limit } = answer.error;
      const err = limit ? new RpmDbLimitError(message) : new RpmDbError(message);
      Object.defineProperty(err, "hnum", { value: answer.error.hnum });
      throw err;
    }
    const { packages, qa } = answer.ok;
    return { packages, qa: Buffer.from(qa, "base64"), count: packages.length };
  } finally {
    clearTimeout(timer);
    clearInterval(watch);
    signal?.removeEventListener("abort", onAbort);
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  }
}
async function rssOf(pid) {
  if (pid === void 0) return 0;
  try {
    const status = await readFile2(`/proc/${pid}/status`, "utf8");
    const kb = /^VmRSS:\s+(\d+) kB/m.exec(status)?.[1];
    return kb ? Number(kb) * 1024 : 0;
  } catch {
    return 0;
  }
}

// src/packages/sbom.ts
import { Buffer as Buffer7 } from "node:buffer";
import { createHash as createHash3 } from "node:crypto";

// src/packages/spdx-ids.ts
var IDS = `
0BSD 3D-Slicer-1.0 AAL Abstyles AdaCore-doc Adobe-2006 Adobe-Display-PostScript Adobe-Glyph Adobe-Utopia
ADSL Advanced-Cryptics-Dictionary AFL-1.1 AFL-1.2 AFL-2.0 AFL-2.1 AFL-3.0 Afmparse AGPL-1.0 AGPL-1.0-only
AGPL-1.0-or-later AGPL-3.0 AGPL-3.0-only AGPL-3.0-or-later Aladdin ALGLIB-Documentation AMD-newlib AMDPLPA
AML AML-glslang AMPAS ANTLR-PD ANTLR-PD-fallback any-OSI any-OSI-perl-modules Apache-1.0 Apache-1.1
Apache-2.0 APAFML APL-1.0 App-s2p APSL-1.0 APSL-1.1 APSL-1.2 APSL-2.0 Arphic-1999 Artistic-1.0
Artistic-1.0-cl8 Artistic-1.0-Perl Artistic-2.0 Artistic-dist Aspell-RU ASWF-Digital-Assets-1.0
ASWF-Digital-Assets-1.1 atc-game Baekmuk Bahyph Barr bcrypt-Solar-Designer Beerware Bitstream-Charter
Bitstream-Vera BitTorrent-1.0 BitTorrent-1.1 blessing BlueOak-1.0.0 Boehm-GC Boehm-GC-without-fee BOLA-1.1
Borceux Brian-Gladman-2-Clause Brian-Gladman-3-Clause Brian-Gladman-3-Clause-no-conversion BSD-1-Clause
BSD-2-Clause BSD-2-Clause-Darwin BSD-2-Clause-first-lines BSD-2-Clause-FreeBSD BSD-2-Clause-NetBSD
BSD-2-Clause-Patent BSD-2-Clause-pkgconf-disclaimer BSD-2-Clause-pos-unchanged BSD-2-Clause-Views
BSD-3-Clause BSD-3-Clause-acpica BSD-3-Clause-Attribution BSD-3-Clause-Clear BSD-3-Clause-flex
BSD-3-Clause-HP BSD-3-Clause-LBNL BSD-3-Clause-Modification BSD-3-Clause-No-Military-License
BSD-3-Clause-No-Nuclear-License BSD-3-Clause-No-Nuclear-License-2014 BSD-3-Clause-No-Nuclear-Warranty
BSD-3-Clause-Open-MPI BSD-3-Clause-OpenWebUI BSD-3-Clause-Sun BSD-3-Clause-Tso BSD-4-Clause
BSD-4-Clause-Shortened BSD-4-Clause-UC BSD-4.3RENO BSD-4.3TAHOE BSD-Advertising-Acknowledgement
BSD-ask-to-endorse BSD-Attribution-HPND-disclaimer BSD-Inferno-Nettverk BSD-Mark-Modifications
BSD-Protection BSD-Source-alt-GPL BSD-Source-beginning-file BSD-Source-Code BSD-Source-Code-no-disclaimer
BSD-Systemics BSD-Systemics-W3Works BSL-1.0 Buddy Bugroff BUSL-1.1 bzip2-1.0.5 bzip2-1.0.6 C-UDA-1.0 CAL-1.0
CAL-1.0-Combined-Work-Exception Caldera Caldera-no-preamble CAPEC-tou Catharon CATOSL-1.1 CC-BY-1.0
CC-BY-2.0 CC-BY-2.5 CC-BY-2.5-AU CC-BY-3.0 CC-BY-3.0-AT CC-BY-3.0-AU CC-BY-3.0-DE CC-BY-3.0-IGO CC-BY-3.0-NL
CC-BY-3.0-US CC-BY-4.0 CC-BY-NC-1.0 CC-BY-NC-2.0 CC-BY-NC-2.5 CC-BY-NC-3.0 CC-BY-NC-3.0-DE CC-BY-NC-3.0-IGO
CC-BY-NC-4.0 CC-BY-NC-ND-1.0 CC-BY-NC-ND-2.0 CC-BY-NC-ND-2.5 CC-BY-NC-ND-3.0 CC-BY-NC-ND-3.0-DE
CC-BY-NC-ND-3.0-IGO CC-BY-NC-ND-4.0 CC-BY-NC-SA-1.0 CC-BY-NC-SA-2.0 CC-BY-NC-SA-2.0-DE CC-BY-NC-SA-2.0-FR
CC-BY-NC-SA-2.0-UK CC-BY-NC-SA-2.5 CC-BY-NC-SA-3.0 CC-BY-NC-SA-3.0-DE CC-BY-NC-SA-3.0-IGO CC-BY-NC-SA-4.0
CC-BY-ND-1.0 CC-BY-ND-2.0 CC-BY-ND-2.5 CC-BY-ND-3.0 CC-BY-ND-3.0-DE CC-BY-ND-4.0 CC-BY-SA-1.0 CC-BY-SA-2.0
CC-BY-SA-2.0-UK CC-BY-SA-2.1-JP CC-BY-SA-2.5 CC-BY-SA-3.0 CC-BY-SA-3.0-AT CC-BY-SA-3.0-DE CC-BY-SA-3.0-IGO
CC-BY-SA-4.0 CC-PDDC CC-PDM-1.0 CC-SA-1.0 CC0-1.0 CDDL-1.0 CDDL-1.1 CDL-1.0 CDLA-Permissive-1.0
CDLA-Permissive-2.0 CDLA-Sharing-1.0 CECILL-1.0 CECILL-1.1 CECILL-2.0 CECILL-2.1 CECILL-B CECILL-C
CERN-OHL-1.1 CERN-OHL-1.2 CERN-OHL-P-2.0 CERN-OHL-S-2.0 CERN-OHL-W-2.0 CFITSIO check-cvs checkmk ClArtistic
Clips CMU-Mach CMU-Mach-nodoc CNRI-Jython CNRI-Python CNRI-Python-GPL-Compatible COIL-1.0 Community-Spec-1.0
Condor-1.1 copyleft-next-0.3.0 copyleft-next-0.3.1 Cornell-Lossless-JPEG CPAL-1.0 CPL-1.0 CPOL-1.02 Cronyx
Crossword CryptoSwift CrystalStacker CUA-OPL-1.0 Cube curl cve-tou D-FSL-1.0 DEC-3-Clause diffmark
DL-DE-BY-2.0 DL-DE-ZERO-2.0 DOC DocBook-DTD DocBook-Schema DocBook-Stylesheet DocBook-XML Dotseqn DRL-1.0
DRL-1.1 DSDP dtoa dvipdfm ECL-1.0 ECL-2.0 eCos-2.0 EFL-1.0 EFL-2.0 eGenix Elastic-2.0 Entessa EPICS EPL-1.0
EPL-2.0 ErlPL-1.1 ESA-PL-permissive-2.4 ESA-PL-strong-copyleft-2.4 ESA-PL-weak-copyleft-2.4 etalab-2.0
EUDatagrid EUPL-1.0 EUPL-1.1 EUPL-1.2 Eurosym Fair FBM FDK-AAC FDK-MPEG-H Ferguson-Twofish Frameworx-1.0
FreeBSD-DOC FreeImage FSFAP FSFAP-no-warranty-disclaimer FSFUL FSFULLR FSFULLRSD FSFULLRWD FSL-1.1-ALv2
FSL-1.1-MIT FTL Furuseth fwlw Game-Programming-Gems GCR-docs GD generic-xts GFDL-1.1
GFDL-1.1-invariants-only GFDL-1.1-invariants-or-later GFDL-1.1-no-invariants-only
GFDL-1.1-no-invariants-or-later GFDL-1.1-only GFDL-1.1-or-later GFDL-1.2 GFDL-1.2-invariants-only
GFDL-1.2-invariants-or-later GFDL-1.2-no-invariants-only GFDL-1.2-no-invariants-or-later GFDL-1.2-only
GFDL-1.2-or-later GFDL-1.3 GFDL-1.3-invariants-only GFDL-1.3-invariants-or-later GFDL-1.3-no-invariants-only
GFDL-1.3-no-invariants-or-later GFDL-1.3-only GFDL-1.3-or-later Giftware GL2PS Glide Glulxe GLWTPL gnuplot
GPL-1.0 GPL-1.0+ GPL-1.0-only GPL-1.0-or-later GPL-2.0 GPL-2.0+ GPL-2.0-only GPL-2.0-or-later
GPL-2.0-with-autoconf-exception GPL-2.0-with-bison-exception GPL-2.0-with-classpath-exception
GPL-2.0-with-font-exception GPL-2.0-with-GCC-exception GPL-3.0 GPL-3.0+ GPL-3.0-only GPL-3.0-or-later
GPL-3.0-with-autoconf-exception GPL-3.0-with-GCC-exception Graphics-Gems gSOAP-1.3b gtkbook Gutmann
HaskellReport HDF5 hdparm HIDAPI Hippocratic-2.1 Hippocratic-3.0-core HP-1986 HP-1989 HPND HPND-DEC HPND-doc
HPND-doc-sell HPND-export-US HPND-export-US-acknowledgement HPND-export-US-modify HPND-export2-US
HPND-Fenneberg-Livingston HPND-INRIA-IMAG HPND-Intel HPND-Kevlin-Henney HPND-Markus-Kuhn
HPND-merchantability-variant HPND-MIT-disclaimer HPND-Netrek HPND-Pbmplus HPND-sell-MIT-disclaimer-xserver
HPND-sell-regexpr HPND-sell-variant HPND-sell-variant-critical-systems HPND-sell-variant-MIT-disclaimer
HPND-sell-variant-MIT-disclaimer-rev HPND-SMC HPND-UC HPND-UC-export-US HTMLTIDY hyphen-bulgarian IBM-pibs
ICU IEC-Code-Components-EULA IJG IJG-short ImageMagick iMatix Imlib2 Info-ZIP Informatica Inner-Net-2.0
InnoSetup Intel Intel-ACPI Interbase-1.0 IPA IPL-1.0 ISC ISC-Veillard ISO-permission Jam JasPer-2.0 jove
JPL-image JPNIC JSON Kastrup Kazlib Knuth-CTAN LAL-1.2 LAL-1.3 Latex2e Latex2e-translated-notice Leptonica
LGPL-2.0 LGPL-2.0+ LGPL-2.0-only LGPL-2.0-or-later LGPL-2.1 LGPL-2.1+ LGPL-2.1-only LGPL-2.1-or-later
LGPL-3.0 LGPL-3.0+ LGPL-3.0-only LGPL-3.0-or-later LGPLLR Libpng libpng-1.6.35 libpng-2.0 libselinux-1.0
libtiff libutil-David-Nugent LiLiQ-P-1.1 LiLiQ-R-1.1 LiLiQ-Rplus-1.1 Linux-man-pages-1-para
Linux-man-pages-copyleft Linux-man-pages-copyleft-2-para Linux-man-pages-copyleft-var Linux-OpenIB LOOP
LPD-document LPL-1.0 LPL-1.02 LPPL-1.0 LPPL-1.1 LPPL-1.2 LPPL-1.3a LPPL-1.3c lsof Lucida-Bitmap-Fonts
LZMA-SDK-9.11-to-9.20 LZMA-SDK-9.22 Mackerras-3-Clause Mackerras-3-Clause-acknowledgment magaz mailprio
MakeIndex man2html Martin-Birgmeier McPhee-slideshow metamail Minpack MIPS MirOS MIT MIT-0 MIT-advertising
MIT-Click MIT-CMU MIT-enna MIT-feh MIT-Festival MIT-Khronos-old MIT-Modern-Variant MIT-open-group MIT-STK
MIT-testregex MIT-Wu MITNFA MMIXware MMPL-1.0.1 Motosoto MPEG-SSG mpi-permissive mpich2 MPL-1.0 MPL-1.1
MPL-2.0 MPL-2.0-no-copyleft-exception mplus MS-LPL MS-PL MS-RL MTLL MulanPSL-1.0 MulanPSL-2.0 Multics Mup
MVT-1.1 NAIST-2003 NASA-1.3 Naumen NBPL-1.0 NCBI-PD NCGL-UK-2.0 NCL NCSA Net-SNMP NetCDF Newsletr NGPL ngrep
NICTA-1.0 NIST-PD NIST-PD-fallback NIST-PD-TNT NIST-Software NLOD-1.0 NLOD-2.0 NLPL Nokia NOSL Noweb NPL-1.0
NPL-1.1 NPOSL-3.0 NRL NTIA-PD NTP NTP-0 Nunit O-UDA-1.0 OAR OCCT-PL OCLC-2.0 ODbL-1.0 ODC-By-1.0 OFFIS
OFL-1.0 OFL-1.0-no-RFN OFL-1.0-RFN OFL-1.1 OFL-1.1-no-RFN OFL-1.1-RFN OGC-1.0 OGDL-Taiwan-1.0 OGL-Canada-2.0
OGL-UK-1.0 OGL-UK-2.0 OGL-UK-3.0 OGTSL OLDAP-1.1 OLDAP-1.2 OLDAP-1.3 OLDAP-1.4 OLDAP-2.0 OLDAP-2.0.1
OLDAP-2.1 OLDAP-2.2 OLDAP-2.2.1 OLDAP-2.2.2 OLDAP-2.3 OLDAP-2.4 OLDAP-2.5 OLDAP-2.6 OLDAP-2.7 OLDAP-2.8
OLFL-1.3 OML OpenMDW-1.0 OpenPBS-2.3 OpenSSL OpenSSL-standalone OpenVision OPL-1.0 OPL-UK-3.0 OPUBL-1.0
OSC-1.0 OSET-PL-2.1 OSL-1.0 OSL-1.1 OSL-2.0 OSL-2.1 OSL-3.0 OSSP PADL ParaType-Free-Font-1.3 Parity-6.0.0
Parity-7.0.0 PDDL-1.0 PHP-3.0 PHP-3.01 Pixar pkgconf Plexus pnmstitch PolyForm-Noncommercial-1.0.0
PolyForm-Small-Business-1.0.0 PostgreSQL PPL PSF-2.0 psfrag psutils Python-2.0 Python-2.0.1 python-ldap
Qhull QPL-1.0 QPL-1.0-INRIA-2004 radvd Rdisc RHeCos-1.1 RPL-1.1 RPL-1.5 RPSL-1.0 RSA-MD RSCPL Ruby Ruby-pty
SAX-PD SAX-PD-2.0 Saxpath SCEA SchemeReport Sendmail Sendmail-8.23 Sendmail-Open-Source-1.1 SGI-B-1.0
SGI-B-1.1 SGI-B-2.0 SGI-OpenGL SGMLUG-PM SGP4 SHL-0.5 SHL-0.51 SimPL-2.0 SISSL SISSL-1.2 SL Sleepycat
SMAIL-GPL SMLNJ SMPPL SNIA snprintf SOFA softSurfer Soundex Spencer-86 Spencer-94 Spencer-99 SPL-1.0
ssh-keyscan SSH-OpenSSH SSH-short SSLeay-standalone SSPL-1.0 StandardML-NJ SugarCRM-1.1.3 SUL-1.0 Sun-PPP
Sun-PPP-2000 SunPro SWL swrule Symlinks TAPR-OHL-1.0 TCL TCP-wrappers TekHVC TermReadKey TGPPL-1.0 ThirdEye
threeparttable TMate TORQUE-1.1 TOSL TPDL TPL-1.0 TrustedQSL TTWL TTYP0 TU-Berlin-1.0 TU-Berlin-2.0
Ubuntu-font-1.0 UCAR UCL-1.0 ulem UMich-Merit Unicode-3.0 Unicode-DFS-2015 Unicode-DFS-2016 Unicode-TOU
UnixCrypt Unlicense Unlicense-libtelnet Unlicense-libwhirlpool UnRAR UPL-1.0 URT-RLE Vim Vixie-Cron VOSTROM
VSL-1.0 W3C W3C-19980720 W3C-20150513 w3m Watcom-1.0 Widget-Workshop WordNet Wsuipa WTFNMFPL WTFPL wwl
wxWindows X11 X11-distribute-modifications-variant X11-no-permit-persons X11-swapped Xdebug-1.03 Xerox Xfig
XFree86-1.1 xinetd xkeyboard-config-Zinoviev xlock Xnet xpp XSkat xzoom YPL-1.0 YPL-1.1 Zed Zeeff Zend-2.0
Zimbra-1.3 Zimbra-1.4 Zlib zlib-acknowledgement ZPL-1.1 ZPL-2.0 ZPL-2.1 389-exception Asterisk-exception
Asterisk-linking-protocols-exception Autoconf-exception-2.0 Autoconf-exception-3.0
Autoconf-exception-generic Autoconf-exception-generic-3.0 Autoconf-exception-macro Bison-exception-1.24
Bison-exception-2.2 Bootloader-exception CGAL-linking-exception Classpath-exception-2.0
Classpath-exception-2.0-short CLISP-exception-2.0 cryptsetup-OpenSSL-exception Digia-Qt-LGPL-exception-1.1
DigiRule-FOSS-exception eCos-exception-2.0 erlang-otp-linking-exception Fawkes-Runtime-exception
FLTK-exception fmt-exception Font-exception-2.0 freertos-exception-2.0 GCC-exception-2.0
GCC-exception-2.0-note GCC-exception-3.1 Gmsh-exception GNAT-exception GNOME-examples-exception
GNU-compiler-exception gnu-javamail-exception Google-Patent-WebM GPL-3.0-389-ds-base-exception
GPL-3.0-interface-exception GPL-3.0-linking-exception GPL-3.0-linking-source-exception GPL-CC-1.0
GStreamer-exception-2005 GStreamer-exception-2008 harbour-exception i2p-gpl-java-exception
Independent-modules-exception KiCad-libraries-exception kvirc-openssl-exception LGPL-3.0-linking-exception
libpri-OpenH323-exception Libtool-exception Linux-syscall-note LLGPL LLVM-exception LZMA-exception
mif-exception mxml-exception Nokia-Qt-exception-1.1 OCaml-LGPL-linking-exception OCCT-exception-1.0
OpenJDK-assembly-exception-1.0 openvpn-openssl-exception PCRE2-exception polyparse-exception
PS-or-PDF-font-exception-20170817 QPL-1.0-INRIA-2004-exception Qt-GPL-exception-1.0 Qt-LGPL-exception-1.1
Qwt-exception-1.0 romic-exception RRDtool-FLOSS-exception-2.0 rsync-linking-exception SANE-exception SHL-2.0
SHL-2.1 Simple-Library-Usage-exception Spelling-Provider-LGPL-exception sqlitestudio-OpenSSL-exception
stunnel-exception SWI-exception Swift-exception Texinfo-exception u-boot-exception-2.0 UBDL-exception
Universal-FOSS-exception-1.0 vsftpd-openssl-exception WxWindows-exception-3.1 x11vnc-openssl-exception
`;
var SPDX_IDS = IDS.split(/\s+/).filter((id) => id !== "");

// src/packages/licenses.ts
var SPDX_BY_LOWER = new Map(SPDX_IDS.map((id) => [id.toLowerCase(), id]));
var LICENSE_REF = /^(DocumentRef-[A-Za-z0-9.-]+:)?LicenseRef-[A-Za-z0-9.-]+$/;
function normalizeSpdxExpression(s) {
  const tokens = s.match(/[()]|[^\s()]+/g) ?? [];
  let i2 = 0;
  const id = (allowPlus) => {
    const t = tokens[i2];
    if (t === void 0 || t === "AND" || t === "OR" || t === "WITH" || t === "(" || t === ")") return null;
    i2++;
    if (allowPlus && LICENSE_REF.test(t)) return t;
    const exact = SPDX_BY_LOWER.get(t.toLowerCase());
    if (exact) return exact;
    const base = allowPlus && t.endsWith("+") ? SPDX_BY_LOWER.get(t.slice(0, -1).toLowerCase()) : void 0;
    return base ? `${base}+` : null;
  };
  const atom = () => {
    if (tokens[i2] !== "(") return id(true);
    i2++;
    const inner = or();
    if (inner === null || tokens[i2] !== ")") return null;
    i2++;
    return `(${inner})`;
  };
  const withExpr = () => {
    const left = atom();
    if (left === null || tokens[i2] !== "WITH") return left;
    i2++;
    const exception = id(false);
    return exception === null ? null : `${left} WITH ${exception}`;
  };
  const chain = (next, op) => () => {
    let left = next();
    while (left !== null && tokens[i2] === op) {
      i2++;
      const right = next();
      left = right === null ? null : `${left} ${op} ${right}`;
    }
    return left;
  };
  const and = chain(withExpr, "AND");
  const or = chain(and, "OR");
  const result = or();
  return result !== null && i2 === tokens.length ? result : null;
}
function cyclonedxLicenses(licenses) {
  const strings = [...new Set((licenses ?? []).map((s) => s.trim()).filter((s) => s !== ""))];
  if (strings.length === 0) return void 0;
  const asLicense = (s) => {
    const id = SPDX_BY_LOWER.get(s.toLowerCase());
    return id ? { license: { id } } : { license: { name: s } };
  };
  if (strings.length === 1) {
    const s = strings[0];
    if (SPDX_BY_LOWER.has(s.toLowerCase())) return [asLicense(s)];
    const expression = normalizeSpdxExpression(s);
    return [expression === null ? { license: { name: s } } : { expression }];
  }
  return strings.map(asLicense);
}

// src/packages/os-release.ts
import { Buffer as Buffer6 } from "node:buffer";
function parseOsRelease(content) {
  const text2 = typeof content === "string" ? content : Buffer6.from(content).toString("utf8");
  const out = {};
  for (const line of text2.split("\n")) {
    const m = /^\s*([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line);
    if (m) out[m[1]] = shellWord(m[2]);
  }
  return out;
}
function shellWord(s) {
  let out = "";
  let i2 = 0;
  while (i2 < s.length) {
    const c3 = s[i2];
    if (c3 === "'") {
      const end = s.indexOf("'", i2 + 1);
      const stop = end < 0 ? s.length : end;
      out += s.slice(i2 + 1, stop);
      i2 = stop + 1;
    } else if (c3 === '"') {
      i2++;
      while (i2 < s.length && s[i2] !== '"') {
        if (s[i2] === "\\" && i2 + 1 < s.length && '"\\$`'.includes(s[i2 + 1])) i2++;
        out += s[i2];
        i2++;
      }
      i2++;
    } else if (c3 === "\\") {
      if (i2 + 1 < s.length) out += s[i2 + 1];
      i2 += 2;
    } else if (/\s/.test(c3) || c3 === "#") {
      break;
    } else {
      out += c3;
      i2++;
    }
  }
  return out;
}
function distroOf(osRelease2) {
  const f = osRelease2 === void 0 ? {} : parseOsRelease(osRelease2);
  const id = f.ID?.toLowerCase() || void 0;
  const release = f.VERSION_ID || f.VERSION_CODENAME;
  return {
    vendor: id,
    distro: id && release ? `${id}-${release}` : void 0,
    prettyName: f.PRETTY_NAME || void 0
  };
}

// src/packages/sbom.ts
var CYCLONEDX_SPEC_VERSION = "1.6";
var SBOM_PROPERTY_ARCH = "metal-image:package:architecture";
var SBOM_PROPERTY_SOURCE = "metal-image:package:source";
var DPKG_SBOM_STATUSES = /* @__PURE__ */ new Set([
  "unpacked",
  "half-configured",
  "triggers-awaited",
  "triggers-pending",
  "installed"
]);
function sbomPackagesFromDpkg(pkgs) {
  return pkgs.filter((p) => DPKG_SBOM_STATUSES.has(p.status)).map((p) => ({ type: "deb", name: p.name, version: p.version ?? "", arch: p.architecture }));
}
function sbomPackagesFromRpm(pkgs) {
  return pkgs.map((p) => {
    const pkg = {
      type: "rpm",
      name: p.name,
      version: [p.version, p.release].filter((s) => s !== null && s !== "").join("-"),
      arch: p.arch ?? ""
    };
    if (p.epoch !== null) pkg.epoch = p.epoch;
    if (p.license) pkg.licenses = [p.license];
    if (p.sourceRpm && p.sourceRpm !== "(none)") pkg.source = p.sourceRpm;
    return pkg;
  });
}
function purlEncode(s) {
  let out = "";
  for (const byte of Buffer7.from(s, "utf8")) {
    const safe = byte >= 48 && byte <= 58 || // 0-9 and ':'
    byte >= 65 && byte <= 90 || byte >= 97 && byte <= 122 || byte === 45 || byte === 46 || byte === 95 || byte === 126;
    out += safe ? String.fromCharCode(byte) : `%${byte.toString(16).toUpperCase().padStart(2, "0")}`;
  }
  return out;
}
function packageUrl(type, namespace, name, version, qualifiers = {}) {
  let purl = `pkg:${type}/`;
  if (namespace) purl += `${purlEncode(namespace)}/`;
  purl += purlEncode(name);
  if (version) purl += `@${purlEncode(version)}`;
  const q = Object.entries(qualifiers).filter((e) => e[1] !== void 0 && e[1] !== "").sort(([a2], [b]) => a2 < b ? -1 : a2 > b ? 1 : 0).map(([k, v]) => `${k}=${purlEncode(v)}`);
  return q.length > 0 ? `${purl}?${q.join("&")}` : purl;
}
function purlOf(p, d) {
  if (p.type === "deb") {
    return packageUrl("deb", (d.vendor ?? "debian").toLowerCase(), p.name.toLowerCase(), p.version, {
      arch: p.arch,
      distro: d.distro
    });
  }
  return packageUrl("rpm", d.vendor, p.name, p.version, {
    arch: p.arch,
    distro: d.distro,
    epoch: p.epoch === void 0 ? void 0 : String(p.epoch)
  });
}
var cmp = (a2, b) => a2 < b ? -1 : a2 > b ? 1 : 0;
var SERIAL_NAMESPACE = Buffer7.from("5b0f6f3c8d2a4e0e9c1d7a4b2e6f9a13", "hex");
function uuidV5(name) {
  const h3 = createHash3("sha1").update(SERIAL_NAMESPACE).update(name, "utf8").digest().subarray(0, 16);
  h3[6] = h3[6] & 15 | 80;
  h3[8] = h3[8] & 63 | 128;
  const x = h3.toString("hex");
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20)}`;
}
function component(p, d) {
  if (!p.name) throw new Error(`an SBOM ${p.type} package has no name`);
  const c3 = { type: "library", name: p.name };
  const version = p.type === "rpm" && p.epoch !== void 0 && p.version ? `${p.epoch}:${p.version}` : p.version;
  if (version) c3.version = version;
  const licenses = cyclonedxLicenses(p.licenses);
  if (licenses) c3.licenses = licenses;
  c3.purl = purlOf(p, d);
  const properties = [];
  if (p.arch) properties.push({ name: SBOM_PROPERTY_ARCH, value: p.arch });
  if (p.source) properties.push({ name: SBOM_PROPERTY_SOURCE, value: p.source });
  if (properties.length > 0) c3.properties = properties;
  return c3;
}
function buildSbom(input) {
  const d = distroOf(input.osRelease);
  const sorted = [...input.packages].sort(
    (a2, b) => cmp(a2.name, b.name) || cmp(a2.arch, b.arch) || cmp(a2.version, b.version) || (a2.epoch ?? -1) - (b.epoch ?? -1) || cmp(a2.type, b.type)
  );
  const refs = /* @__PURE__ */ new Map();
  const components = sorted.map((p) => {
    const { type, ...rest } = component(p, d);
    const n2 = (refs.get(rest.purl) ?? 0) + 1;
    refs.set(rest.purl, n2);
    return { type, "bom-ref": n2 === 1 ? rest.purl : `${rest.purl}#${n2}`, ...rest };
  });
  const image = { type: "operating-system", name: input.imageId, version: input.version };
  if (d.prettyName) image.description = d.prettyName;
  const metadata = {
    timestamp: input.timestamp.toISOString(),
    tools: { components: [{ type: "application", name: input.tool.name, version: input.tool.version }] },
    component: image
  };
  const body = { metadata, components };
  return {
    bomFormat: "CycloneDX",
    specVersion: CYCLONEDX_SPEC_VERSION,
    serialNumber: `urn:uuid:${uuidV5(JSON.stringify(body))}`,
    version: 1,
    ...body
  };
}
function serializeSbom(doc) {
  return `${JSON.stringify(doc, null, 2)}
`;
}

// src/packages/installed.ts
var DPKG_STATUS = "var/lib/dpkg/status";
var DPKG_UPDATES = /^var\/lib\/dpkg\/updates\/[0-9]+$/;
var RPMDB_PATHS = [RPMDB_PATH, "usr/lib/sysimage/rpm/rpmdb.sqlite"];
var OS_RELEASE = ["etc/os-release", "usr/lib/os-release"];
var MAX_OS_RELEASE = 64 << 10;
var MAX_UPDATES = 16 << 20;
var MAX_RPMDB_BYTES = 4 * 2 ** 30;
var MAX_WARNINGS = 100;
var PackageDatabases = class {
  status;
  rpm = /* @__PURE__ */ new Map();
  dir;
  log;
  limits;
  warnings = 0;
  /** The bytes of dpkg's update journal kept so far, and why it is not read when they are too many. */
  updateBytes = 0;
  updatesTooLarge;
  constructor({ log, limits = {} }) {
    this.log = log;
    this.limits = limits;
  }
  /** The files the inspector keeps whole: `size` bytes of `path`. */
  capture(path6, size) {
    if (OS_RELEASE.includes(path6)) {
      if (size <= MAX_OS_RELEASE) return true;
      this.log.warning(
        `/${path6} is ${size} bytes, more than the ${MAX_OS_RELEASE} metal-image reads: not read, so the SBOM names no distribution from it`
      );
      return false;
    }
    if (!DPKG_UPDATES.test(path6)) return false;
    this.updateBytes += size;
    if (this.updateBytes <= MAX_UPDATES) return true;
    this.updatesTooLarge = `the files of /var/lib/dpkg/updates take more than ${MAX_UPDATES} bytes: more than metal-image reads`;
    return false;
  }
  /** The files taken piece by piece: dpkg's status, rpm's database and its write-ahead log. */
  stream(path6, size) {
    if (path6 === DPKG_STATUS) {
      this.warnings = 0;
      this.status = new DpkgStatusReader({
        filename: `/${DPKG_STATUS}`,
        limits: this.limits.dpkg,
        onWarning: (w) => this.warn(w)
      });
      return this.status;
    }
    const at = RPMDB_PATHS.findIndex((p) => path6 === p || path6 === `${p}-wal`);
    if (at < 0) return void 0;
    const copy = new RpmCopy(
      join4(this.tempDir(), String(at), path6.endsWith("-wal") ? "rpmdb.sqlite-wal" : "rpmdb.sqlite"),
      size
    );
    this.rpm.set(path6, copy);
    return copy;
  }
  /**
   * The image's packages: dpkg's status (with its update journal) or rpm's database. Undefined, with a
   * warning, when there is none or it is not read (unreadable, as the package manager would find it, or
   * beyond the limits a database an image's author wrote is held to): the image may still work. Throws
   * only when `signal` aborts.
   */
  async read(files, imageId, signal) {
    if (this.status) return this.fromDpkg(this.status, files, imageId);
    const rpmPath = RPMDB_PATHS.find((p) => this.rpm.has(p));
    if (rpmPath) return this.fromRpm(rpmPath, imageId, signal);
    this.log.warning(
      `The rootfs has no package database (neither /${DPKG_STATUS} nor /${RPMDB_PATH}): no packages.txt and no SBOM components for ${imageId}`
    );
    return void 0;
  }
  /** Removes the copies of rpm databases. */
  dispose() {
    for (const copy of this.rpm.values()) copy.close();
    if (this.dir) rmSync2(this.dir, { recursive: true, force: true });
    this.dir = void 0;
  }
  warn(message) {
    if (++this.warnings <= MAX_WARNINGS) this.log.debug(`dpkg: ${message}`);
    else if (this.warnings === MAX_WARNINGS + 1) this.log.debug("dpkg: more warnings left out");
  }
  tempDir() {
    this.dir ??= mkdtempSync2(join4(tmpdir2(), "metal-image-pkgdb-"));
    return this.dir;
  }
  fromDpkg(reader, files, imageId) {
    const log = this.log;
    if (this.updatesTooLarge) {
      log.warning(
        `The dpkg database in the rootfs is not read: ${this.updatesTooLarge}; no packages.txt is published for ${imageId}`
      );
      return void 0;
    }
    const updates = [...files].filter(([path6]) => DPKG_UPDATES.test(path6)).map(([path6, data]) => ({ name: path6.slice(path6.lastIndexOf("/") + 1), data }));
    try {
      const pkgs = reader.packages(updates);
      const sbom = sbomPackagesFromDpkg(pkgs);
      const count2 = countListed(pkgs);
      log.info(`${count2} packages listed in packages.txt (what dpkg -l prints in the image)`);
      return { kind: "dpkg", listing: formatDpkgListBytes(pkgs), count: count2, names: namesOf(sbom), sbom };
    } catch (err) {
      if (!(err instanceof DpkgParseError)) throw err;
      log.warning(
        err instanceof DpkgLimitError ? `The dpkg database in the rootfs is not read: ${err.message}; no packages.txt is published for ${imageId}` : `The dpkg database in the rootfs is unreadable, as dpkg would find it: ${err.message}; no packages.txt is published for ${imageId}`
      );
      return void 0;
    }
  }
  async fromRpm(path6, imageId, signal) {
    const log = this.log;
    try {
      const db = this.rpm.get(path6);
      const wal = this.rpm.get(`${path6}-wal`);
      for (const copy of [db, wal]) copy?.check();
      if (wal && wal.bytes === 0) wal.remove();
      const read = await readRpmDbIsolated(db.file, { signal, limits: this.limits.rpm ?? ISOLATION_LIMITS });
      const sbom = sbomPackagesFromRpm(read.packages);
      log.info(`${read.count} packages listed in packages.txt (what rpm -qa prints in the image)`);
      return { kind: "rpm", listing: read.qa, count: read.count, names: namesOf(sbom), sbom };
    } catch (err) {
      if (signal?.aborted || !(err instanceof RpmDbError)) throw err;
      log.warning(
        `The rpm database /${path6} in the rootfs is not read: ${err.message}; no packages.txt is published for ${imageId}`
      );
      return void 0;
    }
  }
};
var RpmCopy = class {
  file;
  bytes = 0;
  fd;
  problem;
  complete = false;
  constructor(file, size) {
    this.file = file;
    if (size > MAX_RPMDB_BYTES) {
      this.problem = new RpmDbError(
        `it is ${size} bytes, larger than the ${MAX_RPMDB_BYTES} bytes metal-image reads`
      );
      return;
    }
    try {
      mkdirSync2(dirname(file), { recursive: true });
      this.fd = openSync(file, "w");
    } catch (err) {
      this.fail(err);
    }
  }
  write(piece) {
    if (this.fd === void 0) return;
    try {
      for (let at = 0; at < piece.length; ) at += writeSync(this.fd, piece, at, piece.length - at);
      this.bytes += piece.length;
    } catch (err) {
      this.fail(err);
    }
  }
  end() {
    this.close();
    this.complete = this.problem === void 0;
  }
  /** Throws what went wrong while copying. */
  check() {
    if (this.problem) throw this.problem;
    if (!this.complete) throw new RpmDbError("the stream ended inside it");
  }
  remove() {
    rmSync2(this.file, { force: true });
  }
  close() {
    if (this.fd !== void 0) closeSync(this.fd);
    this.fd = void 0;
  }
  fail(err) {
    this.close();
    this.problem = failure("packages", `copy the rpm database out of the rootfs to ${this.file}`, err);
  }
};
function namesOf(pkgs) {
  return new Set(pkgs.map((p) => p.name));
}
function osRelease(files) {
  for (const path6 of OS_RELEASE) {
    const data = files.get(path6);
    if (data && data.length > 0) return data;
  }
  return void 0;
}

// src/pipeline/stream.ts
import { availableParallelism as availableParallelism3 } from "node:os";
import { dirname as dirname2 } from "node:path";
import { pipeline as pipeline2 } from "node:stream/promises";

// src/lz4/compressor.ts
import { Worker } from "node:worker_threads";
var HC_MIN_LEVEL = 3;
var MAX_LEVEL = 12;
var MAX_BLOCK = 4 << 20;
var fresh = () => Buffer.allocUnsafeSlow(MAX_BLOCK);
async function createBlockCompressor(level, concurrency, background = false, log, take = fresh) {
  const native = loadLz4Block();
  if (native.addon) {
    log?.debug(`LZ4 level ${level}: lz4 ${native.addon.version}'s C (${native.file}), a thread per block`);
    return nativeCompressor(native.addon, level, background, take);
  }
  log?.debug(
    `LZ4 level ${level}: ${native.reason}, so src/lz4/hc.ts in worker threads` + (level < HC_MIN_LEVEL ? " (slower, and LZ4 HC: not the bytes of lz4 -1)" : " (slower)")
  );
  return workerCompressor(level, concurrency, background);
}
function nativeCompressor(addon, level, background, take = fresh) {
  const nice = background ? BACKGROUND_NICE : 0;
  return {
    async compress(block) {
      if (block.length <= 1) return { data: block, stored: true };
      const dst = take();
      const n2 = await addon.compress(block, dst.subarray(0, block.length - 1), level, nice);
      if (n2 === 0) return { data: block, stored: true, spare: dst };
      return { data: dst.subarray(0, n2), stored: false, spare: block };
    },
    // Nothing to wait for: a block still compressing holds its own buffers and is dropped when done.
    async close() {
    }
  };
}
function workerCompressor(level, concurrency, background) {
  const workers = [];
  const idle = [];
  const waiting = [];
  const callbacks = /* @__PURE__ */ new Map();
  let nextId = 0;
  let failure2;
  const fail = (err) => {
    failure2 ??= err;
    for (const cb of callbacks.values()) cb.reject(err);
    callbacks.clear();
  };
  for (let i2 = 0; i2 < concurrency; i2++) {
    const worker = new Worker(workerUrl("lz4-worker"), { workerData: { level, background } });
    worker.on("message", (msg) => {
      const cb = callbacks.get(msg.id);
      callbacks.delete(msg.id);
      idle.push(worker);
      waiting.shift()?.();
      if (!cb) return;
      if (msg.error) cb.reject(new Error(`lz4 worker: ${msg.error}`));
      else {
        const src = Buffer.from(msg.src, 0, msg.srcLength);
        cb.resolve(
          msg.out ? { data: Buffer.from(msg.out, 0, msg.outLength), stored: false, spare: src } : { data: src, stored: true }
        );
      }
    });
    worker.on("error", fail);
    worker.on("exit", (code2) => {
      if (code2 !== 0) fail(new Error(`lz4 worker exited with code ${code2}`));
    });
    workers.push(worker);
    idle.push(worker);
  }
  return {
    async compress(block) {
      if (failure2) throw failure2;
      while (idle.length === 0) await new Promise((resolve8) => waiting.push(resolve8));
      const worker = idle.pop();
      const id = nextId++;
      const data = block.buffer;
      return new Promise((resolve8, reject) => {
        callbacks.set(id, { resolve: resolve8, reject });
        worker.postMessage({ id, data, length: block.length }, [data]);
      });
    },
    async close() {
      await Promise.all(workers.map((w) => w.terminate()));
    }
  };
}

// src/lz4/frame.ts
import { Transform } from "node:stream";
import { availableParallelism as availableParallelism2 } from "node:os";
var BLOCK_SIZE = 4 * 1024 * 1024;
var COPY_BELOW = 1 << 20;
var MAGIC = 407708164;
var FLG = 100;
var BD = 7 << 4;
var UNCOMPRESSED_BIT = 2147483648;
async function frameHeader() {
  const header = Buffer.alloc(7);
  header.writeUInt32LE(MAGIC, 0);
  header[4] = FLG;
  header[5] = BD;
  header[6] = await xxh32(header.subarray(4, 6)) >>> 8 & 255;
  return header;
}
var Lz4FrameEncoder = class extends Transform {
  stats = { bytesIn: 0, bytesOut: 0, blocks: 0, storedBlocks: 0 };
  level;
  concurrency;
  maxInFlight;
  background;
  release;
  onStored;
  onCopied;
  log;
  compressor;
  hash;
  block;
  filled = 0;
  /**
   * Input blocks and the blocks they compress into. Input blocks come back once compressed, output
   * blocks once written (recycle). Blocks in flight and what waits for the next stage: 6-8 of them on
   * the bench image and tar, at levels 1 and 9. Spares beyond 16 are left to the garbage collector.
   */
  pool = new BlockPool(BLOCK_SIZE, 16);
  /**
   * For the last stage to read this stream's chunks: a chunk it has written is given back for the next
   * blocks. Any other chunk is ignored, and a chunk never given back is left to the garbage collector.
   */
  recycle = (chunk) => this.pool.give(chunk);
  /** Blocks in flight, oldest first; each is written as soon as it and all before it are done. */
  pending = [];
  failure;
  wake;
  constructor(options) {
    super({ writableHighWaterMark: 1 << 20, readableHighWaterMark: 1 << 20 });
    this.level = options.level;
    this.background = options.background ?? false;
    this.release = options.release;
    this.onStored = options.onStored;
    this.onCopied = options.onCopied;
    this.log = options.log;
    this.concurrency = Math.max(1, options.concurrency ?? availableParallelism2());
    this.maxInFlight = this.concurrency + (options.level < HC_MIN_LEVEL ? 1 : 0);
  }
  _transform(chunk, _enc, done) {
    if (!this.hash) {
      this.start().then(() => this._transform(chunk, _enc, done), done);
      return;
    }
    this.hash.update(chunk);
    this.stats.bytesIn += chunk.length;
    let offset = 0;
    const fill = () => {
      while (offset < chunk.length) {
        this.block ??= this.pool.take();
        const n2 = chunk.copy(this.block, this.filled, offset);
        this.filled += n2;
        offset += n2;
        if (this.filled === BLOCK_SIZE) {
          this.submit();
          if (this.full()) return void this.room().then(fill, done);
        }
      }
      this.release?.(chunk);
      done();
    };
    fill();
  }
  _flush(done) {
    this.finish().then(() => done(), done);
  }
  _destroy(err, done) {
    const compressor = this.compressor;
    this.compressor = void 0;
    this.pending.length = 0;
    if (!compressor) return done(err);
    compressor.close().then(
      () => done(err),
      () => done(err)
    );
  }
  async start() {
    this.compressor = await createBlockCompressor(
      this.level,
      this.concurrency,
      this.background,
      this.log,
      () => this.pool.take()
    );
    this.hash = await createXxh32();
    this.emit_(await frameHeader());
  }
  submit() {
    const block = this.block.subarray(0, this.filled);
    this.block = void 0;
    this.filled = 0;
    const slot = {};
    this.pending.push(slot);
    this.compressor.compress(block).then(encodeBlock).then(
      (encoded) => {
        slot.done = encoded;
        this.emitReady();
      },
      (err) => {
        this.failure ??= err;
      }
    ).finally(() => this.wake?.());
  }
  /**
   * No room for another block: as many in flight as allowed, or the next stage has not taken what is
   * ready. Blocks are pushed as they finish, and Transform holds up the input only for what was pushed
   * during its own call: with a slower stage after this one, blocks finished in between piled up here
   * (35 of them, 140 MiB, on the bench tar at level 1 with sha256 and sha512; 7 with this).
   */
  full() {
    return this.pending.length >= this.maxInFlight || this.readableLength >= this.readableHighWaterMark;
  }
  async room() {
    while (this.full()) await this.progress();
  }
  /** The next stage wants more: a block may wait for it (room). */
  _read(size) {
    super._read(size);
    this.wake?.();
  }
  /** Waits until a block finishes; throws when one failed. */
  async progress() {
    if (!this.failure) await new Promise((resolve8) => this.wake = resolve8);
    if (this.failure) throw this.failure;
  }
  emitReady() {
    if (this.destroyed) return;
    while (this.pending[0]?.done) {
      const { sizeWord, stored, spare, data: compressed } = this.pending.shift().done;
      let data = compressed;
      if (spare) this.pool.adopt(spare);
      this.stats.blocks++;
      if (stored) {
        this.stats.storedBlocks++;
        this.onStored?.(data.length);
      } else if (data.length < COPY_BELOW && data.buffer.byteLength === BLOCK_SIZE) {
        data = Buffer.from(compressed);
        this.pool.give(compressed);
        this.onCopied?.(data.length);
      }
      this.emit_(sizeWord);
      this.emit_(data);
    }
  }
  async finish() {
    if (!this.hash) await this.start();
    if (this.filled > 0) this.submit();
    while (this.pending.length > 0) await this.progress();
    const trailer = Buffer.alloc(8);
    trailer.writeUInt32LE(0, 0);
    trailer.writeUInt32LE(this.hash.digest(), 4);
    this.emit_(trailer);
    const compressor = this.compressor;
    this.compressor = void 0;
    await compressor?.close();
  }
  emit_(buf) {
    this.stats.bytesOut += buf.length;
    this.push(buf);
  }
};
function encodeBlock(block) {
  const sizeWord = Buffer.alloc(4);
  sizeWord.writeUInt32LE((block.stored ? UNCOMPRESSED_BIT | block.data.length : block.data.length) >>> 0, 0);
  return { ...block, sizeWord };
}

// src/rootfs/pax.ts
import { isUtf8 as isUtf82 } from "node:buffer";
var MAX_NAME = 4095;
var NameTooLong = class extends Error {
  constructor(what2, bytes) {
    super(
      `a ${what2} of ${bytes} bytes: Linux takes at most ${MAX_NAME} (PATH_MAX), so no machine could extract it`
    );
  }
};
var PaxError = class extends Error {
  constructor(message, refusers) {
    const who = refusers === "both" ? "GNU tar and metal-hammer (Go archive/tar) both refuse it" : refusers === "go" ? "metal-hammer (Go archive/tar) refuses it, where GNU tar reads it otherwise" : refusers === "gnu" ? "GNU tar refuses it, where metal-hammer (Go archive/tar) reads it otherwise" : refusers === "differ" ? "GNU tar and metal-hammer (Go archive/tar) read it differently" : "both readers take it, but no disk holds a file that large";
    super(`${message}; ${who}`);
  }
};
var DIGITS = /^\d+$/;
var TIME = /^-?\d+(?:\.\d*)?$/;
var SPARSE_NUMBERS = /* @__PURE__ */ new Set([
  "GNU.sparse.size",
  "GNU.sparse.realsize",
  "GNU.sparse.numblocks",
  "GNU.sparse.offset",
  "GNU.sparse.numbytes",
  "GNU.sparse.major",
  "GNU.sparse.minor"
]);
var MAX_ID = 4294967295;
function parsePax(data) {
  const raw = /* @__PURE__ */ new Map();
  let at = 0;
  for (let n2 = 1; at < data.length; n2++) {
    const where = `record ${n2} (byte ${at})`;
    let i2 = at;
    while (i2 < data.length && data[i2] >= 48 && data[i2] <= 57) i2++;
    if (i2 === at) {
      const blank = data[at] === 32 || data[at] === 9 || data[at] === 0;
      throw new PaxError(`${where} does not start with its length`, blank ? "go" : "both");
    }
    if (data[i2] !== 32) throw new PaxError(`${where}: its length is not followed by a space`, "both");
    const length = Number(data.toString("latin1", at, i2));
    if (length > data.length - at)
      throw new PaxError(
        `${where} says it is ${length} bytes long, but only ${data.length - at} bytes are left in the header`,
        "both"
      );
    const end = at + length;
    if (length < 5 || data[end - 1] !== 10)
      throw new PaxError(`${where} does not end with a newline where its length ${length} says`, "both");
    const eq = data.indexOf(61, i2 + 1);
    if (eq === -1 || eq >= end - 1)
      throw new PaxError(`${where} has no "=" between its key and value`, "both");
    if (eq === i2 + 1) throw new PaxError(`${where} has an empty key`, "go");
    const key = data.toString("latin1", i2 + 1, eq);
    if (data[i2 + 1] === 32 || data[i2 + 1] === 9)
      throw new PaxError(`${where} has more than one blank after its length`, "differ");
    if (key.includes("\0")) throw new PaxError(`${where}: a NUL byte in its key`, "go");
    const value = data.subarray(eq + 1, end - 1);
    check(key, value, where);
    raw.set(key, value);
    at = end;
  }
  return records(raw);
}
function records(raw) {
  const out = {};
  const text2 = (key) => raw.get(key)?.toString("latin1");
  const path6 = raw.get("path");
  if (path6) out.path = decodeName(path6);
  const linkpath = raw.get("linkpath");
  if (linkpath) out.linkpath = decodeName(linkpath);
  for (const key of ["size", "uid", "gid"]) {
    const value = text2(key);
    if (value !== void 0) out[key] = Number(value);
  }
  const major = text2("GNU.sparse.major");
  const minor = text2("GNU.sparse.minor");
  const versioned = major === "0" && (minor === "0" || minor === "1") || major === "1" && minor === "0";
  const unversioned = major === void 0 && minor === void 0 && (raw.has("GNU.sparse.map") || raw.has("GNU.sparse.offset"));
  if (versioned || unversioned) {
    const name = raw.get("GNU.sparse.name");
    const size = text2("GNU.sparse.size") ?? text2("GNU.sparse.realsize");
    out.sparse = {};
    if (name?.length) out.sparse.name = decodeName(name);
    if (size !== void 0) out.sparse.size = Number(size);
  }
  return out;
}
function check(key, value, where) {
  const text2 = () => value.toString("latin1");
  switch (key) {
    case "path":
    case "linkpath":
    case "GNU.sparse.name":
      if (value.length === 0 && key !== "GNU.sparse.name")
        throw new PaxError(`${where}: an empty ${key}`, "differ");
      if (value.includes(0)) throw new PaxError(`${where}: a NUL byte in ${key}`, "go");
      if (value.length > MAX_NAME)
        throw new NameTooLong(key === "linkpath" ? "link target" : "name", value.length);
      return;
    case "uname":
    case "gname":
      if (value.includes(0)) throw new PaxError(`${where}: a NUL byte in ${key}`, "go");
      return;
    case "size":
    case "uid":
    case "gid": {
      const max = key === "size" ? Number.MAX_SAFE_INTEGER : MAX_ID;
      if (DIGITS.test(text2()) && Number(text2()) <= max) return;
      const goReads = key === "size" ? /^\+\d{1,15}$/.test(text2()) : /^[-+]?\d{1,18}$/.test(text2());
      throw new PaxError(
        `${where}: ${key}=${JSON.stringify(text2())} is not a number from 0 to ${max}`,
        goReads ? "gnu" : "both"
      );
    }
    case "mtime":
    case "atime":
    case "ctime":
      if (!TIME.test(text2()))
        throw new PaxError(`${where}: ${key}=${JSON.stringify(text2())} is not a time`, "both");
      return;
    default:
      if (!SPARSE_NUMBERS.has(key)) return;
      if (!DIGITS.test(text2()))
        throw new PaxError(`${where}: ${key}=${JSON.stringify(text2())} is not a number`, "both");
      if (Number(text2()) > Number.MAX_SAFE_INTEGER)
        throw new PaxError(
          `${where}: ${key}=${JSON.stringify(text2().slice(0, 40))} is larger than ${Number.MAX_SAFE_INTEGER}`,
          BigInt(text2()) > 0x7fffffffffffffffn ? "both" : "none"
        );
  }
}
function decodeName(bytes) {
  let ascii = true;
  for (let i2 = 0; i2 < bytes.length; i2++)
    if (bytes[i2] >= 128) {
      ascii = false;
      break;
    }
  if (ascii) return bytes.toString("latin1");
  if (isUtf82(bytes)) return bytes.toString("utf8");
  const parts = [];
  let from = 0;
  for (let i2 = 0; i2 < bytes.length; i2++) {
    const b = bytes[i2];
    if (b < 128) continue;
    parts.push(bytes.toString("latin1", from, i2), `\\x${b.toString(16).padStart(2, "0")}`);
    from = i2 + 1;
  }
  parts.push(bytes.toString("latin1", from));
  return parts.join("");
}

// src/rootfs/tar.ts
var BLOCK = 512;
var MAX_META = 1 << 20;
var MAX_AFTER_END = 64 << 20;
var TarFormatError = class extends Error {
};
function normalizeTarPath(name) {
  const first = name.charCodeAt(0);
  if (first !== 46 && first !== 47 && name.charCodeAt(name.length - 1) !== 47) return name;
  return name.replace(/^(\.?\/)+/, "").replace(/\/+$/, "");
}
var NO_DATA = /* @__PURE__ */ new Set([49, 53]);
var HEADER_ONLY = /* @__PURE__ */ new Set([50, 51, 52, 54]);
var TarWalker = class {
  /** Bytes consumed. */
  offset = 0;
  entries = 0;
  /**
   * Where the entry being handed to `entry` lies in the archive: from its first block (its pax or GNU
   * long-name records, else its header) to the end of its padded data. What cutting it out removes.
   */
  entryStart = 0;
  entryEnd = 0;
  /** The first record block of an entry whose own header has not come yet. */
  recordsStart;
  /**
   * Where the entries end: the first zero block where a header should be (the end-of-archive marker),
   * or the pax or GNU records just before it that no entry followed.
   */
  endOfArchive;
  /** Zero blocks seen where a header should be: 2 is the end-of-archive marker, after which only zeros may come. */
  zeroBlocks = 0;
  /** Where the end-of-archive marker ends. */
  endAt = 0;
  zeroAt = 0;
  onEntry;
  onBody;
  carry = Buffer.alloc(BLOCK);
  carried = 0;
  /** Data (with padding) of the current entry still to come. */
  left = 0;
  current;
  /** The current entry's data, when it is wanted (or is a pax or GNU long-name record). */
  body;
  filled = 0;
  meta;
  metaAt = 0;
  next = {};
  /** An old GNU sparse entry ('S') whose extension blocks are still to come, before its data. */
  sparse;
  /** `entry` sees every header in archive order; returning true asks for its data, given to `body`. */
  constructor(entry, body) {
    this.onEntry = entry;
    this.onBody = body;
  }
  /**
   * The archive up to here is known entry by entry: after it come only records for an entry whose
   * header has not come yet, or a header not whole yet.
   */
  get settled() {
    return this.recordsStart ?? this.offset - this.carried;
  }
  /** The end-of-archive marker (two zero blocks) has been read. */
  get ended() {
    return this.zeroBlocks === 2;
  }
  /** Throws TarFormatError at a block that should be a header and is not one. */
  write(chunk) {
    let at = 0;
    while (at < chunk.length) {
      if (this.left > 0) {
        const n3 = Math.min(this.left, chunk.length - at);
        if (this.body && this.filled < this.body.length) {
          const wanted = Math.min(n3, this.body.length - this.filled);
          chunk.copy(this.body, this.filled, at, at + wanted);
          this.filled += wanted;
        }
        this.left -= n3;
        at += n3;
        this.offset += n3;
        if (this.left === 0) this.endEntry();
        continue;
      }
      if (this.carried === 0 && chunk.length - at >= BLOCK) {
        this.header(chunk, at, this.offset);
        at += BLOCK;
        this.offset += BLOCK;
        continue;
      }
      const n2 = chunk.copy(this.carry, this.carried, at, Math.min(chunk.length, at + BLOCK - this.carried));
      this.carried += n2;
      at += n2;
      this.offset += n2;
      if (this.carried === BLOCK) {
        this.carried = 0;
        this.header(this.carry, 0, this.offset - BLOCK);
      }
    }
  }
  /** Throws TarFormatError when the stream stopped inside an entry or a header, or went on after its end. */
  end() {
    if (this.ended && this.carried > 0 && !isZero(this.carry, 0, this.carried))
      throw this.afterEnd(this.carry, 0, this.offset - this.carried, this.carried);
    if (this.left > 0 || this.sparse || this.carried > 0 && !this.ended)
      throw new TarFormatError(
        `the tar archive is truncated: it ends in the middle of an entry after ${this.offset} bytes`
      );
  }
  /** A header block at `buf[at]`, the archive's byte `start`. */
  header(buf, at, start) {
    if (this.sparse) return this.sparseExtension(buf, at, start);
    if (this.zeroBlocks === 2) {
      if (!isZero(buf, at)) throw this.afterEnd(buf, at, start, BLOCK);
      if (start - this.endAt >= MAX_AFTER_END)
        throw new TarFormatError(
          `more than ${MAX_AFTER_END >> 20} MiB of zeros after the end-of-archive marker at byte ${this.endAt}: not the padding of a tar file`
        );
      return;
    }
    if (isZero(buf, at)) {
      if (this.zeroBlocks === 1) {
        this.endAt = start + BLOCK;
        return void (this.zeroBlocks = 2);
      }
      if (this.next.paxError)
        throw new TarFormatError(`the pax extended header at byte ${this.next.paxAt} ${this.next.paxError}`);
      this.endOfArchive = this.recordsStart ?? start;
      this.recordsStart = void 0;
      this.zeroBlocks = 1;
      this.zeroAt = start;
      return;
    }
    const valid = validChecksum(buf, at) && hasUstarMagic(buf, at);
    if (this.zeroBlocks === 1)
      throw new TarFormatError(
        `a lone zero block at byte ${this.zeroAt} is followed by ${valid ? `more entries (at byte ${start}: ${JSON.stringify(ustarName(buf, at))})` : `data at byte ${start}`}: GNU tar takes it for the end of the archive and extracts nothing after it ("A lone zero block"), metal-hammer's Go tar reader fails on it ("invalid tar header"), so the rootfs is refused; remove the zero block`
      );
    if (!valid) throw new TarFormatError(`not a tar archive (no valid tar header near byte ${start})`);
    const flag = buf[at + 156];
    if (flag === 120 || flag === 103 || flag === 76 || flag === 75) {
      if (flag !== 103) this.recordsStart ??= start;
      const size2 = this.number(buf, at, 124, 12, "size", () => `the extended header at byte ${start}`);
      if (size2 > MAX_META)
        throw new TarFormatError(`not a valid tar archive: a ${size2}-byte extended header near byte ${start}`);
      this.left = Math.ceil(size2 / BLOCK) * BLOCK;
      this.meta = String.fromCharCode(flag);
      this.metaAt = start;
      this.body = Buffer.allocUnsafe(size2);
      this.filled = 0;
      if (this.left === 0) this.endEntry();
      return;
    }
    const next = this.next;
    this.next = {};
    let name = next.pax?.path ?? next.longName ?? ustarName(buf, at);
    const what2 = () => `${JSON.stringify(name)} (its header at byte ${start})`;
    if (next.paxError)
      throw new TarFormatError(`${what2()}: its pax extended header at byte ${next.paxAt} ${next.paxError}`);
    let type = typeName(flag);
    if (type === "file" && flag === 0 && name.endsWith("/")) type = "directory";
    const mode = this.number(buf, at, 100, 8, "mode", what2);
    const uid = this.number(buf, at, 108, 8, "uid", what2);
    const gid = this.number(buf, at, 116, 8, "gid", what2);
    const stored = this.number(buf, at, 124, 12, "size", what2);
    this.number(buf, at, 136, 12, "mtime", what2);
    let data = next.pax?.size ?? stored;
    let size = data;
    if (NO_DATA.has(flag)) data = size = 0;
    else if (HEADER_ONLY.has(flag) && data > 0)
      throw new TarFormatError(
        `${what2()}: a ${type} header with a size of ${data} bytes: GNU tar reads that much data after it, metal-hammer's Go tar reader none, so they would read the rest of the archive differently`
      );
    const sparse = next.pax?.sparse;
    if (sparse) {
      name = sparse.name ?? name;
      size = sparse.size ?? size;
    }
    const header = {
      name,
      type,
      flag: String.fromCharCode(flag),
      mode,
      uid: next.pax?.uid ?? uid,
      gid: next.pax?.gid ?? gid,
      size,
      linkname: next.pax?.linkpath ?? next.longLink ?? (buf[at + 157] === 0 ? null : text(buf, at + 157, 100))
    };
    const entryStart = this.recordsStart ?? start;
    this.recordsStart = void 0;
    if (flag === 83) {
      header.size = numeric(buf, at + 483, 12);
      if (buf[at + 482] !== 0) return void (this.sparse = { header, start: entryStart, data });
    }
    this.begin(header, entryStart, start + BLOCK, data, sparse === void 0 && flag !== 83);
  }
  /** Hands an entry to `entry`; its data (`data` bytes, padded) starts at `dataAt`. */
  begin(header, start, dataAt, data, readable2) {
    this.left = Math.ceil(data / BLOCK) * BLOCK;
    this.entries++;
    this.current = header;
    this.entryStart = start;
    this.entryEnd = dataAt + this.left;
    this.body = this.onEntry(header) && readable2 ? Buffer.allocUnsafe(data) : void 0;
    this.filled = 0;
    if (this.left === 0) this.endEntry();
  }
  /** An extension block of an old GNU sparse header: more of its map, and whether another follows. */
  sparseExtension(buf, at, start) {
    if (buf[at + 504] !== 0) return;
    const { header, start: entryStart, data } = this.sparse;
    this.sparse = void 0;
    this.begin(header, entryStart, start + BLOCK, data, false);
  }
  endEntry() {
    const body = this.body;
    this.body = void 0;
    const meta = this.meta;
    this.meta = void 0;
    if (meta) {
      const data = body.subarray(0, this.filled);
      if (meta === "L" || meta === "K") {
        const nul = data.indexOf(0);
        const bytes = nul === -1 ? data : data.subarray(0, nul);
        if (bytes.length > MAX_NAME)
          throw new TarFormatError(
            `the GNU long ${meta === "L" ? "name" : "link"} record at byte ${this.metaAt}: ${new NameTooLong(meta === "L" ? "name" : "link target", bytes.length).message}`
          );
        const value = decodeName(bytes);
        if (meta === "L") this.next.longName = value;
        else this.next.longLink = value;
      } else if (meta === "x") this.paxRecords(data);
      else this.paxRecords(data, true);
      return;
    }
    if (body) this.onBody(this.current, body);
  }
  paxRecords(data, global3 = false) {
    const at = this.metaAt;
    try {
      const pax = parsePax(data);
      if (!global3) this.next = { ...this.next, pax, paxAt: at, paxError: void 0 };
    } catch (err) {
      if (err instanceof NameTooLong)
        throw new TarFormatError(
          `the pax ${global3 ? "global" : "extended"} header at byte ${at}: ${err.message}`
        );
      if (!(err instanceof PaxError)) throw err;
      const why = `is malformed: ${err.message}`;
      if (global3) throw new TarFormatError(`the pax global header at byte ${at} ${why}`);
      this.next = { ...this.next, pax: void 0, paxAt: at, paxError: why };
    }
  }
  /**
   * A number field: octal (or GNU's base-256) as both GNU tar and Go's reader read it alike. An empty
   * field is 0; anything else but digits between blanks is refused.
   */
  number(buf, at, offset, length, field2, what2) {
    const n2 = strictNumeric(buf, at + offset, length);
    if (Number.isNaN(n2))
      throw new TarFormatError(
        `${what2()}: its ${field2} field is ${JSON.stringify(buf.toString("latin1", at + offset, at + offset + length))}, not an octal number; GNU tar and metal-hammer's Go tar reader refuse or misread it`
      );
    return n2;
  }
  /** What comes after the end-of-archive marker, at `buf[at]` (the archive's byte `start`), `length` bytes of it. */
  afterEnd(buf, at, start, length) {
    let first = at;
    while (first < at + length - 1 && buf[first] === 0) first++;
    const what2 = length === BLOCK && validChecksum(buf, at) && hasUstarMagic(buf, at) ? `a second tar archive starts at byte ${start} (its first entry ${JSON.stringify(ustarName(buf, at))})` : `data that is no tar header comes at byte ${start + first - at}`;
    return new TarFormatError(
      `the tar archive goes on after its end-of-archive marker (at byte ${this.zeroAt}): ${what2}. GNU tar (without --ignore-zeros) and metal-hammer stop at the marker and extract none of it, so the image would not be what packages.txt, the SBOM and the contract describe, and the rootfs is refused; make it one archive (tar --concatenate) or cut what follows the marker`
    );
  }
};
function typeName(flag) {
  switch (flag) {
    case 0:
    case 48:
      return "file";
    case 49:
      return "link";
    case 50:
      return "symlink";
    case 51:
      return "character-device";
    case 52:
      return "block-device";
    case 53:
      return "directory";
    case 54:
      return "fifo";
    case 55:
      return "contiguous-file";
    default:
      return null;
  }
}
function validChecksum(block, at = 0) {
  let sum = 8 * 32;
  for (let i2 = at; i2 < at + 148; i2++) sum += block[i2];
  for (let i2 = at + 156; i2 < at + BLOCK; i2++) sum += block[i2];
  return sum === octal(block, at + 148, 8);
}
function setMtime(block, seconds) {
  block.write(`${seconds.toString(8).padStart(11, "0")}\0`, 136, 12, "latin1");
  block.fill(32, 148, 156);
  let sum = 0;
  for (let i2 = 0; i2 < BLOCK; i2++) sum += block[i2];
  block.write(`${sum.toString(8).padStart(6, "0")}\0 `, 148, 8, "latin1");
}
function isZero(block, at = 0, length = BLOCK) {
  for (let i2 = at; i2 < at + length; i2++) if (block[i2] !== 0) return false;
  return true;
}
function hasUstarMagic(block, at) {
  return block[at + 257] === 117 && block[at + 258] === 115 && block[at + 259] === 116 && block[at + 260] === 97 && block[at + 261] === 114;
}
function octal(block, start, length) {
  let i2 = start;
  const end = start + length;
  while (i2 < end && block[i2] === 32) i2++;
  let n2 = 0;
  let digits = 0;
  for (; i2 < end; i2++) {
    const c3 = block[i2];
    if (c3 < 48 || c3 > 55) break;
    n2 = n2 * 8 + (c3 - 48);
    digits++;
  }
  return digits > 0 ? n2 : Number.NaN;
}
function numeric(block, start, length) {
  const n2 = strictNumeric(block, start, length);
  return Number.isNaN(n2) ? 0 : n2;
}
function strictNumeric(block, start, length) {
  if (block[start] & 128) {
    let n3 = block[start] & 127;
    for (let i3 = start + 1; i3 < start + length; i3++) n3 = n3 * 256 + block[i3];
    return n3;
  }
  const end = start + length;
  let i2 = start;
  while (i2 < end && block[i2] === 32) i2++;
  let n2 = 0;
  const first = i2;
  for (; i2 < end; i2++) {
    const c3 = block[i2];
    if (c3 < 48 || c3 > 55) break;
    n2 = n2 * 8 + (c3 - 48);
  }
  if (i2 === first && i2 < end && block[i2] !== 0) return Number.NaN;
  for (; i2 < end; i2++) if (block[i2] !== 0 && block[i2] !== 32) return Number.NaN;
  return n2;
}
function text(block, start, length) {
  const nul = block.indexOf(0, start);
  const end = nul === -1 || nul > start + length ? start + length : nul;
  return decodeName(block.subarray(start, end));
}
function isPosixUstar(block, at = 0) {
  return hasUstarMagic(block, at) && block[at + 262] === 0;
}
function ustarName(block, at = 0) {
  const name = text(block, at, 100);
  const prefix = isPosixUstar(block, at) && block[at + 345] !== 0 ? text(block, at + 345, 155) : "";
  return prefix ? `${prefix}/${name}` : name;
}

// src/rootfs/build-info.ts
var BUILD_INFO_PATH = "etc/metal/build.yaml";
function buildInfoYaml(info) {
  const lines2 = [
    ["builddate", pythonIsoformat(info.date)],
    ["commit_ref", info.ref],
    ["commit_sha1", info.commit],
    ["gitrepo", info.repository],
    ["image_id", info.imageId],
    ["version", info.version]
  ];
  return lines2.map(([key, value]) => `${key}=${shellQuote(value)}
`).join("");
}
function shellQuote(value) {
  return `'${value.replaceAll("'", `'\\''`)}'`;
}
function pythonIsoformat(at) {
  const pad = (n2, width = 2) => String(n2).padStart(width, "0");
  const date = `${pad(at.getFullYear(), 4)}-${pad(at.getMonth() + 1)}-${pad(at.getDate())}`;
  const time = `${pad(at.getHours())}:${pad(at.getMinutes())}:${pad(at.getSeconds())}`;
  const ms = at.getMilliseconds();
  return `${date} ${time}${ms === 0 ? "" : `.${pad(ms * 1e3, 6)}`}`;
}
var TarFileInjection = class {
  /** Entries of the path that were left out. */
  replaced = 0;
  path;
  content;
  pending;
  mtime;
  parent;
  sawParent = false;
  /** Whether the archive names its entries `./etc/...` (tar -C root .) or `etc/...` (docker export). */
  dotSlash;
  /**
   * `content` may still be in the making (build info waits for git): it is needed only at the end of
   * the archive, so the rootfs streams meanwhile.
   */
  constructor(path6, content, mtime = /* @__PURE__ */ new Date()) {
    this.path = normalizeTarPath(path6);
    const bytes = (c3) => typeof c3 === "string" ? Buffer.from(c3) : c3;
    if (content instanceof Promise) {
      this.pending = content.then((c3) => void (this.content = bytes(c3)));
      this.pending.catch(() => {
      });
    } else this.content = bytes(content);
    this.mtime = mtime;
    this.parent = this.path.slice(0, Math.max(0, this.path.lastIndexOf("/")));
  }
  /** An entry of the archive, by its name as written and as a path: whether to leave it out. */
  entry(name, path6, directory) {
    this.dotSlash ??= name.startsWith("./");
    if (directory && path6 === this.parent) this.sawParent = true;
    if (path6 !== this.path) return false;
    this.replaced++;
    return true;
  }
  /** Settles once the content is there (rejects if making it failed); undefined if it is already. */
  ready() {
    return this.content === void 0 ? this.pending : void 0;
  }
  /** The blocks that go in before the end-of-archive marker: the folder if the archive had none, then the file. */
  blocks() {
    const content = this.content;
    const style = this.dotSlash ? "./" : "";
    const blocks = [];
    if (!this.sawParent && this.parent)
      blocks.push(
        encodeHeader({ name: `${style}${this.parent}/`, type: "5", mode: 493, size: 0, mtime: this.mtime })
      );
    blocks.push(
      encodeHeader({
        name: `${style}${this.path}`,
        type: "0",
        mode: 420,
        size: content.length,
        mtime: this.mtime
      }),
      content
    );
    const pad = (BLOCK - content.length % BLOCK) % BLOCK;
    if (pad) blocks.push(Buffer.alloc(pad));
    return blocks;
  }
  /** Entries blocks() adds. */
  get added() {
    return !this.sawParent && this.parent ? 2 : 1;
  }
};
function encodeHeader(h3) {
  const block = Buffer.alloc(BLOCK);
  const name = Buffer.from(h3.name);
  if (name.length > 100) throw new Error(`internal: tar name too long: ${h3.name}`);
  name.copy(block, 0);
  const octal3 = (value, start, length) => block.write(`${value.toString(8).padStart(length - 1, "0")}\0`, start, length, "latin1");
  octal3(h3.mode, 100, 8);
  octal3(0, 108, 8);
  octal3(0, 116, 8);
  octal3(h3.size, 124, 12);
  octal3(Math.floor(h3.mtime.getTime() / 1e3), 136, 12);
  block.write(h3.type, 156, 1, "latin1");
  block.write("ustar\x0000", 257, 8, "latin1");
  block.write("root", 265, 32, "latin1");
  block.write("root", 297, 32, "latin1");
  block.fill(32, 148, 156);
  let sum = 0;
  for (const byte of block) sum += byte;
  block.write(`${sum.toString(8).padStart(6, "0")}\0 `, 148, 8, "latin1");
  return block;
}

// src/rootfs/replace.ts
var EntryReplacements = class {
  /** Entries of the stream left out, and entries put in their place. */
  replaced = 0;
  added = 0;
  pending = /* @__PURE__ */ new Map();
  constructor(paths, truth) {
    for (const path6 of paths) this.pending.set(normalizeTarPath(path6), null);
    const walker = new TarWalker(
      (header) => {
        const path6 = normalizeTarPath(header.name);
        if (!this.pending.has(path6)) return false;
        const { entryStart: start, entryEnd: end } = walker;
        const padded = Math.ceil(header.size / BLOCK) * BLOCK;
        const at = end - (header.type === "file" ? padded : 0) - BLOCK;
        const blocks = Buffer.from(truth.subarray(start, end));
        this.pending.set(path6, {
          header,
          content: Buffer.alloc(0),
          blocks,
          mtime: numeric(truth, at + 136, 12)
        });
        return header.type === "file";
      },
      (header, content) => {
        const entry = this.pending.get(normalizeTarPath(header.name));
        if (entry) entry.content = content;
      }
    );
    walker.write(truth);
    walker.end();
    if (!walker.ended)
      throw new TarFormatError("the archive of the true entries has no end-of-archive marker");
  }
  /**
   * For an entry of the stream: undefined when it stays as it is, else what becomes of it. Each path is
   * corrected once: an archive naming it again keeps that entry.
   */
  take(path6, directory) {
    if (!this.pending.has(path6)) return void 0;
    const entry = this.pending.get(path6);
    this.pending.delete(path6);
    if (entry && directory && entry.header.type === "directory") return { kind: "retime", mtime: entry.mtime };
    this.replaced++;
    if (!entry) return { kind: "drop" };
    this.added++;
    return { kind: "replace", entry };
  }
};

// src/rootfs/contract/checks.ts
var CONTRACT_CHECKS = [
  {
    id: "tar-type",
    level: "error",
    description: 'Every entry is a file, hard link, symlink, device node, directory or FIFO: metal-hammer extracts with archiver v2.1.0, which fails on any other type flag (GNU sparse S, contiguous 7, D, V, M, N, vendor letters) with "unknown type flag".'
  },
  {
    id: "dotdot-path",
    level: "error",
    description: 'No entry name has a .. component: archiver refuses those that leave the image ("illegal file path"), GNU tar skips them all.'
  },
  {
    id: "parent-path",
    level: "error",
    description: "Every entry's parent is a directory when extraction reaches it (or a symlink to one in the image made before): under a regular file, a dangling symlink or a symlink loop, archiver's MkdirAll fails."
  },
  {
    id: "outside-root",
    level: "error",
    description: "No entry is written through an absolute symlink (or one climbing above /): archiver follows it on metal-hammer's own root, so the file lands outside the image."
  },
  {
    id: "path-exists",
    level: "error",
    description: "No symlink or hard link where an earlier entry (or a directory made for one) already is, no file where a directory is, no directory where a file is: os.Symlink, os.Link and os.Create fail there. A warning for a file written through an earlier symlink (archiver keeps the symlink, GNU tar replaces it)."
  },
  {
    id: "hardlink-target",
    level: "error",
    description: "Every hard link names an entry extracted before it: a target that is missing, comes later, is the link itself, a directory or outside the image fails os.Link."
  },
  {
    id: "mount-point",
    level: "error",
    description: "Only directories at /proc, /sys, /tmp, /dev, /etc and /etc/metal, and no symlink, hard link or directory at /etc/metal/disk.json: metal-hammer makes them before it extracts."
  },
  {
    id: "proc-sys",
    level: "error",
    description: "Nothing under /proc or /sys but directories: metal-hammer has procfs and sysfs mounted there while extracting, and they refuse new files and mode changes. Directories there are a warning: made only where the live system has them."
  },
  {
    id: "live-dev",
    level: "warning",
    description: "Nothing under /dev but directories: metal-hammer binds its live /dev there before extracting, so a device node of the image opens and chmods the installer's own (/dev/console), other files are lost, and a symlink fails where the live /dev has that name."
  },
  {
    id: "tmp-vanishes",
    level: "warning",
    description: "Nothing under /tmp: it lands in the tmpfs metal-hammer mounts there while extracting, and is gone after the install."
  },
  {
    id: "special-file",
    level: "warning",
    description: "No device nodes or FIFOs outside /dev: archiver writes them as empty regular files."
  },
  {
    id: "extract-unverified",
    level: "warning",
    description: "The extraction checks above keep up to 1,048,576 paths and 131,072 symlink targets (32 MiB of them), hashed, and follow up to 4,096 path components a walk through symlinks; entries they could not check beyond that are counted here."
  },
  {
    id: "kexec-kernel",
    level: "error",
    description: "Exactly one kernel /boot/vmlinuz-<version>, a regular file (symlinks and hard links are followed inside the image): metal-hammer kexecs into it."
  },
  {
    id: "kexec-initrd",
    level: "error",
    description: "The kernel's initrd: /boot/initrd.img-<version> (Debian, Ubuntu) or /boot/initramfs-<version>.img (AlmaLinux)."
  },
  {
    id: "kexec-system-map",
    level: "error",
    description: "The kernel's /boot/System.map-<version> and no other System.map: os-installer finds the kernel version through the one System.map."
  },
  {
    id: "installer",
    level: "error",
    description: "The installer metal-hammer runs chrooted: /install-go if present, else /install.sh; a regular file with an execute bit. A warning when neither exists (os-installer setups)."
  },
  {
    id: "package-frr",
    level: "warning",
    description: "FRR, for routing to the host: the frr package, or its zebra daemon."
  },
  {
    id: "package-lldp",
    level: "warning",
    description: "An LLDP daemon, to tell whether an allocated machine is alive: go-lldpd (a binary, /usr/local/bin/lldpd) or the lldpd package."
  },
  {
    id: "package-ignition-or-cloud-init",
    level: "warning",
    description: "ignition or cloud-init, to run the user data on first boot."
  },
  {
    id: "dockerenv",
    level: "warning",
    description: "/.dockerenv, left by docker export, is not in the image."
  },
  {
    id: "machine-id",
    level: "warning",
    description: '/etc/machine-id is empty (or "uninitialized"), so every machine gets its own id on first boot.'
  },
  {
    id: "world-writable",
    level: "warning",
    description: "No regular file, and no directory without the sticky bit, is writable by everyone outside /tmp and /var/tmp (symlinks, device nodes, FIFOs and sticky directories such as /run/lock are fine)."
  },
  {
    id: "ssh-host-keys",
    level: "error",
    description: "No SSH host key /etc/ssh/ssh_host_*_key in the image, or else something replaces them on first boot: cloud-init (unless ssh_deletekeys is false) or an sshd-keygen unit, then a warning."
  }
];
var ENTRY_TYPES = /* @__PURE__ */ new Set([
  "file",
  "link",
  "symlink",
  "directory",
  "character-device",
  "block-device",
  "fifo"
]);
function contractEntry(header) {
  const type = header.type;
  return {
    path: normalizeTarPath(header.name),
    type: type !== null && ENTRY_TYPES.has(type) ? type : "other",
    flag: "flag" in header ? header.flag : type === "contiguous-file" ? "7" : void 0,
    mode: (header.mode ?? 0) & 4095,
    uid: header.uid,
    gid: header.gid,
    size: header.size ?? 0,
    linkname: header.linkname ?? void 0
  };
}
var MAX_LISTED = 20;
function contractDocument(findings, mode) {
  const kept = mode === "off" ? [] : [...findings];
  const errors = kept.filter((f) => f.level === "error").length;
  return {
    mode,
    passed: errors === 0,
    failed: mode === "error" && errors > 0,
    errors,
    warnings: kept.length - errors,
    findings: kept
  };
}
function formatContractJson(findings, mode) {
  const document = contractDocument(findings, mode);
  return { document, file: `${JSON.stringify(document, null, 2)}
`, output: JSON.stringify(document) };
}

// src/rootfs/inspect.ts
import { Transform as Transform2 } from "node:stream";

// src/util/memory.ts
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
var gc;
function collectGarbage(type) {
  if (gc === void 0) {
    try {
      setFlagsFromString("--expose-gc");
      gc = runInNewContext("gc");
    } catch {
      gc = null;
    }
  }
  gc?.({ type, execution: "sync" });
}

// src/rootfs/inspect.ts
var MAX_CAPTURE = 64 * 1024 * 1024;
var COLLECT_EVERY = 8 << 20;
var MAJOR_EVERY = 4;
var TarInspector = class extends Transform2 {
  facts = { entries: 0, bytes: 0, firstByteAt: void 0, files: /* @__PURE__ */ new Map() };
  walker;
  inject;
  replace;
  release;
  collect;
  sinceCollect = 0;
  collections = 0;
  /**
   * Archive ranges [start, end) to leave out, in order (entries `inject` or `replace` replace), with the
   * blocks that go in their place until they have been passed on.
   */
  drops = [];
  inserted = false;
  /** Header blocks [archive offset, seconds] whose time `replace` corrects, in order. */
  retimes = [];
  /** Files being handed to a sink: their content's archive range [from, to). */
  sinks = [];
  /** Input not passed on yet (everything, when nothing is being changed), and the archive offset it starts at. */
  held = [];
  heldAt = 0;
  constructor({ capture, stream, observer, inject, replace, release, collect = true }) {
    super({ highWaterMark: 1 << 20 });
    this.collect = collect;
    this.inject = inject;
    this.replace = replace;
    this.release = release;
    let kept = false;
    let observed = false;
    let path6 = "";
    const see = (header, end) => {
      observed = observer?.observe(header, path6) === true;
      const sink = header.type === "file" ? stream?.(path6, header.size) : void 0;
      if (sink) {
        const from = end - Math.ceil(header.size / 512) * 512;
        this.sinks.push({ sink, from, to: from + header.size });
      }
      kept = !sink && header.type === "file" && header.size <= MAX_CAPTURE && capture(path6, header.size);
      return kept || observed;
    };
    const body = (content) => {
      if (kept) this.facts.files.set(path6, content);
      if (observed) observer.file(path6, content);
    };
    this.walker = new TarWalker(
      (header) => {
        path6 = normalizeTarPath(header.name);
        const walker = this.walker;
        if (walker.endOfArchive !== void 0) return see(header, walker.entryEnd);
        const directory = header.type === "directory";
        const fix = replace?.take(path6, directory);
        if (fix?.kind === "retime") {
          this.retimes.push([walker.entryEnd - BLOCK, fix.mtime]);
          inject?.entry(header.name, path6, directory);
        } else if (fix || inject?.entry(header.name, path6, directory)) {
          const instead = fix?.kind === "replace" ? fix.entry : void 0;
          this.drops.push([walker.entryStart, walker.entryEnd, instead?.blocks]);
          kept = observed = false;
          if (instead) this.seeInstead(instead, see, body);
          return false;
        }
        return see(header, walker.entryEnd);
      },
      (_header, content) => body(content)
    );
  }
  /** An entry put in place of one left out: seen as if it had been in the stream. */
  seeInstead(entry, see, body) {
    const { header, content } = entry;
    this.inject?.entry(header.name, normalizeTarPath(header.name), header.type === "directory");
    const sinks = this.sinks.length;
    if (see(header, -1)) body(content);
    for (const { sink } of this.sinks.splice(sinks)) {
      sink.write(content);
      sink.end();
    }
  }
  _transform(chunk, _enc, done) {
    this.facts.firstByteAt ??= performance.now();
    if (this.collect) this.madeGarbage(chunk.length);
    const at = this.walker.offset;
    try {
      this.walker.write(chunk);
      if (this.sinks.length > 0) this.feedSinks(chunk, at);
    } catch (err) {
      return done(err);
    }
    this.facts.entries = this.walker.entries;
    if (!this.inject && !this.replace) {
      this.passOn(chunk);
      return done();
    }
    this.held.push(chunk);
    this.edit(this.walker.settled, done);
  }
  /** Hands the sinks their part of `chunk`, which starts at archive offset `at`. */
  feedSinks(chunk, at) {
    const end = at + chunk.length;
    for (let i2 = 0; i2 < this.sinks.length; i2++) {
      const { sink, from, to } = this.sinks[i2];
      if (from > end) continue;
      if (to > from && from < end && to > at)
        sink.write(chunk.subarray(Math.max(from, at) - at, Math.min(to, end) - at));
      if (to <= end) {
        this.sinks.splice(i2--, 1);
        sink.end();
      }
    }
  }
  /**
   * Counts `bytes` towards the next collection. The input counts as it passes (what it costs
   * downstream is in proportion); a stage that makes more than that adds its own.
   */
  madeGarbage(bytes) {
    this.sinceCollect += bytes;
    if (this.sinceCollect < COLLECT_EVERY) return;
    this.sinceCollect = 0;
    this.collections++;
    collectGarbage(this.collections % MAJOR_EVERY === 0 ? "major" : "minor");
  }
  _flush(done) {
    for (const piece of this.held.splice(0)) this.passOn(piece);
    const bytes = this.walker.offset;
    if (bytes === 0) return done(new TarFormatError("the stream is empty, not a tar archive"));
    try {
      this.walker.end();
    } catch (err) {
      return done(err);
    }
    if (!this.walker.ended)
      return done(
        new TarFormatError(
          `the tar archive is truncated: it ends after ${bytes} bytes without the end-of-archive marker`
        )
      );
    if (this.walker.entries === 0) return done(new TarFormatError("the tar archive has no entries"));
    const replace = this.replace;
    this.facts.entries = this.walker.entries - (this.inject?.replaced ?? 0) + (this.inserted ? this.inject.added : 0) - (replace ? replace.replaced - replace.added : 0);
    done();
  }
  /**
   * Passes on the held input up to archive offset `limit`, leaving out the dropped ranges and putting
   * the new file in at the end-of-archive marker (once its content is there).
   */
  edit(limit, done) {
    const inject = this.inject;
    for (const [at, seconds] of this.retimes.splice(0))
      this.patchHeld(at, (block) => setMtime(block, seconds));
    for (; ; ) {
      const at = this.heldAt;
      const drop = this.drops[0];
      if (drop && drop[1] <= at) {
        this.drops.shift();
        continue;
      }
      if (drop?.[2] && drop[0] <= at) {
        this.passOn(drop[2]);
        drop[2] = void 0;
      }
      const end = inject ? this.walker.endOfArchive : void 0;
      if (end === at && !this.inserted && at < limit) {
        const ready = inject.ready();
        if (ready)
          return void ready.then(() => {
            try {
              this.edit(limit, done);
            } catch (err) {
              done(err);
            }
          }, done);
        this.inserted = true;
        for (const block of inject.blocks()) this.passOn(block);
        continue;
      }
      if (at >= limit) return done();
      if (drop && drop[0] <= at) {
        this.advance(Math.min(drop[1], limit), false);
        continue;
      }
      let to = limit;
      if (drop) to = Math.min(to, drop[0]);
      if (end !== void 0 && end > at && !this.inserted) to = Math.min(to, end);
      this.advance(to, true);
    }
  }
  /** Changes the held block at archive offset `at` in place: the input's memory is ours until it is passed on. */
  patchHeld(at, change) {
    const block = Buffer.alloc(BLOCK);
    const pieces = [];
    let offset = this.heldAt;
    for (const chunk of this.held) {
      const from = Math.max(at, offset);
      const to = Math.min(at + BLOCK, offset + chunk.length);
      if (from < to) {
        chunk.copy(block, from - at, from - offset, to - offset);
        pieces.push([chunk, from - offset, from - at]);
      }
      offset += chunk.length;
      if (offset >= at + BLOCK) break;
    }
    change(block);
    for (const [chunk, start, inBlock] of pieces)
      block.copy(chunk, start, inBlock, inBlock + Math.min(chunk.length - start, BLOCK - inBlock));
  }
  /** Takes the held input up to archive offset `to`: passed on, or left out. */
  advance(to, keep) {
    while (this.heldAt < to) {
      const first = this.held[0];
      const n2 = Math.min(first.length, to - this.heldAt);
      const piece = n2 === first.length ? first : first.subarray(0, n2);
      if (n2 === first.length) this.held.shift();
      else this.held[0] = first.subarray(n2);
      this.heldAt += n2;
      if (keep) this.passOn(piece);
      else this.release?.(piece);
    }
  }
  passOn(data) {
    this.facts.bytes += data.length;
    this.push(data);
  }
};

// src/pipeline/hash.ts
import { Transform as Transform3 } from "node:stream";
import { Worker as Worker2 } from "node:worker_threads";
var BATCH = 4 << 20;
var MAX_BEHIND = 8 << 20;
var Hasher = class extends Transform3 {
  bytes = 0;
  /** Lowercase hex per algorithm, as `<alg>sum` prints it; set once the stream has ended. */
  digests;
  algorithms;
  worker;
  /** The batch being filled, and emptied ones back from the worker. */
  batch;
  batched = 0;
  spares = [];
  behind = 0;
  whenCaughtUp;
  failure;
  result;
  /** `background`: hash at the background nice value (see workers.ts), for a producer to go first. */
  constructor(algorithms = ["md5"], { background = false } = {}) {
    super({ highWaterMark: 1 << 20 });
    this.algorithms = algorithms;
    this.worker = new Worker2(workerUrl("hash-worker"), { workerData: { algorithms, background } });
    this.result = new Promise((resolve8, reject) => {
      this.worker.on("message", (msg) => {
        if ("digests" in msg) return resolve8(msg.digests);
        this.spares.push(Buffer.from(msg.data));
        this.behind -= msg.ack;
        if (this.behind <= MAX_BEHIND) this.wakeUp();
      });
      this.worker.on("error", (err) => {
        this.failure = err;
        this.wakeUp();
        reject(err);
      });
    });
    this.result.catch(() => {
    });
  }
  _transform(chunk, _enc, done) {
    this.bytes += chunk.length;
    for (let offset = 0; offset < chunk.length; ) {
      this.batch ??= this.spares.pop() ?? Buffer.allocUnsafeSlow(BATCH);
      const n2 = chunk.copy(this.batch, this.batched, offset);
      this.batched += n2;
      offset += n2;
      if (this.batched === BATCH) this.send();
    }
    if (this.behind <= MAX_BEHIND) return done(null, chunk);
    this.whenCaughtUp = () => done(this.failure ?? null, chunk);
  }
  _flush(done) {
    this.send();
    this.worker.postMessage({ end: true });
    this.result.then(
      (digests) => {
        this.digests = Object.fromEntries(this.algorithms.map((alg, i2) => [alg, digests[i2]]));
        void this.worker.terminate();
        done();
      },
      (err) => done(err)
    );
  }
  _destroy(err, done) {
    this.worker.terminate().then(
      () => done(err),
      () => done(err)
    );
  }
  md5Hex() {
    const md5 = this.digests?.md5;
    if (!md5) throw new Error("internal: md5 asked for before the image stream ended");
    return md5;
  }
  send() {
    if (!this.batch || this.batched === 0) return;
    const data = this.batch.buffer;
    this.behind += this.batched;
    this.worker.postMessage({ data, length: this.batched }, [data]);
    this.batch = void 0;
    this.batched = 0;
  }
  wakeUp() {
    const resume = this.whenCaughtUp;
    this.whenCaughtUp = void 0;
    resume?.();
  }
};

// src/pipeline/tee.ts
import { Writable as Writable2 } from "node:stream";
var Tee = class extends Writable2 {
  targets;
  release;
  constructor(...targets) {
    super({ highWaterMark: 1 << 20 });
    this.targets = targets;
    for (const t of targets) t.on("error", (err) => this.destroy(err));
  }
  /**
   * Hands every chunk to `release` once all targets have written it, when every target is marked
   * (doneByCallback in chunk-pool.ts); whether it will.
   */
  recycle(release) {
    if (!this.targets.every(isDoneByCallback)) return false;
    this.release = release;
    return true;
  }
  _write(chunk, _enc, done) {
    let unwritten = this.targets.length;
    const written = this.release && (() => void (--unwritten === 0 && this.release(chunk)));
    Promise.all(this.targets.map((t) => writeTo(t, chunk, written))).then(() => done(), done);
  }
  _final(done) {
    Promise.all(
      this.targets.map(
        (t) => new Promise((resolve8, reject) => {
          t.once("error", reject);
          t.end((err) => err ? reject(t.errored ?? err) : resolve8());
        })
      )
    ).then(() => done(), done);
  }
  _destroy(err, done) {
    for (const t of this.targets) t.destroy(err ?? void 0);
    done(err);
  }
};
function recycling(destination, release) {
  if (destination instanceof Tee) return destination.recycle(release) ? destination : void 0;
  if (!isDoneByCallback(destination)) return void 0;
  const tee = new Tee(destination);
  tee.recycle(release);
  return tee;
}
function writeTo(target, chunk, written) {
  return new Promise((resolve8, reject) => {
    const onError = (err) => reject(err);
    target.once("error", onError);
    const ok = target.write(chunk, (err) => {
      if (err) return reject(target.errored ?? err);
      written?.();
    });
    const finish = () => {
      target.off("error", onError);
      resolve8();
    };
    if (ok) finish();
    else target.once("drain", finish);
  });
}

// src/pipeline/progress.ts
function reportProgress(what2, print, intervalMs = 1e4) {
  const start = performance.now();
  let lastRead = 0;
  let lastAt = start;
  const timer = setInterval(() => {
    const now = performance.now();
    const { read, written } = what2();
    const rate = Math.round((read - lastRead) / ((now - lastAt) / 1e3));
    const ratio = read > 0 ? ` (${(100 * written / read).toFixed(1)} %)` : "";
    print(
      `${formatBytes(read)} of rootfs read, ${formatBytes(rate)}/s; ${formatBytes(written)} compressed${ratio}; ${((now - start) / 1e3).toFixed(0)} s`
    );
    lastRead = read;
    lastAt = now;
  }, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}

// src/pipeline/stream.ts
async function streamRootfs(source, destination, { level, checksums, buildInfo, capture, stream, contract, log, signal, progressIntervalMs }) {
  log.info(`Rootfs from ${source.method}`);
  const background = source.producer;
  const encoder = new Lz4FrameEncoder({
    level,
    concurrency: availableParallelism3(),
    background,
    release: source.release,
    // A stored block's garbage counts twice: the .deb files near the end of a rootfs are stored, and
    // their memory would otherwise pile up before the next collection (README, benchmark).
    onStored: (bytes) => void (!recycled && inspector.madeGarbage(2 * bytes)),
    onCopied: (bytes) => inspector.madeGarbage(bytes),
    log
  });
  const recycled = recycling(destination, encoder.recycle);
  const sink = recycled ?? destination;
  const inspector = new TarInspector({
    capture: (path6, size) => capture(path6, size) || (contract?.wants(path6) ?? false),
    stream,
    observer: contract && {
      observe: (header) => contract.observe(contractEntry(header)),
      file: (path6, content) => contract.file(path6, content)
    },
    inject: buildInfo && new TarFileInjection(BUILD_INFO_PATH, buildInfo),
    replace: source.correct && new EntryReplacements(source.correct.paths, source.correct.truth),
    release: source.release,
    // Read into a pool and written from the encoder's blocks: the big buffers are all used again.
    collect: !(source.release && recycled)
  });
  const hasher = new Hasher(checksums, { background });
  const stop = reportProgress(
    () => ({ read: inspector.facts.bytes, written: hasher.bytes }),
    log.info,
    progressIntervalMs
  );
  const onSpill = (file) => log.info(
    `The rootfs comes faster than it is compressed, and BuildKit's client would keep the difference in its memory: it goes to ${dirname2(file)} instead, LZ4-compressed, in a file removed as it is made`
  );
  const input = source.takeFd && level >= HC_MIN_LEVEL ? readAheadOnThread(source.takeFd(), { onSpill }) : source.stream;
  const start = performance.now();
  try {
    await pipeline2([input, inspector, encoder, hasher, sink], { signal });
    await source.exited;
  } catch (err) {
    await settledWithin(source.exited, 5e3);
    if (err instanceof TarFormatError) throw new InputError(source.input, source.value, err.message);
    if (err.code === "ERR_STREAM_DESTROYED")
      throw sink.errored ?? destination.errored ?? err;
    throw err;
  } finally {
    stop();
  }
  const ms = performance.now() - start;
  const { bytes: rootfsSize, entries, firstByteAt } = inspector.facts;
  log.info(
    `${formatBytes(rootfsSize)} rootfs (${entries} entries) -> ${formatBytes(hasher.bytes)} img.tar.lz4 (${(100 * hasher.bytes / Math.max(1, rootfsSize)).toFixed(1)} %) in ${formatSeconds(ms)}, ${formatBytes(rootfsSize / (ms / 1e3))}/s; ${encoder.stats.blocks} blocks, one LZ4 frame`
  );
  return {
    firstByteMs: firstByteAt === void 0 ? void 0 : firstByteAt - start,
    md5: hasher.md5Hex(),
    checksums: hasher.digests,
    size: hasher.bytes,
    rootfsSize,
    files: inspector.facts.files
  };
}
async function settledWithin(promise, ms) {
  let timer;
  try {
    await Promise.race([promise, new Promise((resolve8) => timer = setTimeout(resolve8, ms))]);
  } finally {
    clearTimeout(timer);
  }
}

// src/util/git.ts
import { execFile } from "node:child_process";
function git(cwd, args) {
  return new Promise((resolve8) => {
    execFile(
      "git",
      args,
      { cwd, timeout: 3e4, encoding: "utf8" },
      (err, stdout) => resolve8(err ? void 0 : stdout)
    );
  });
}
async function gitTags(cwd) {
  const out = await git(cwd, ["tag", "--list"]);
  return out?.split("\n").filter((t) => t !== "");
}
async function commitDate(cwd) {
  const out = await git(cwd, ["log", "-1", "--format=%cI"]);
  if (!out?.trim()) return void 0;
  return new Date(out.trim()).toISOString().slice(0, 10).replaceAll("-", "");
}
async function gitHead(cwd) {
  const [origin, head] = await Promise.all([
    git(cwd, ["remote", "get-url", "origin"]),
    git(cwd, ["rev-parse", "HEAD", "--abbrev-ref", "HEAD"])
  ]);
  const [commit, ref] = head?.split("\n") ?? [];
  const repository = /([^/:]+\/[^/:]+?)(?:\.git)?\/?$/.exec(origin?.trim() ?? "")?.[1] ?? "";
  return { repository, ref: ref?.trim() ?? "", commit: commit?.trim() ?? "" };
}

// src/release/channel.ts
function deriveChannel(run) {
  if (!run) return "";
  if (run.pullRequest) {
    const branch = run.pullRequest.headRef.split("/").filter(Boolean).at(-1) ?? "";
    return `pull_requests/${run.pullRequest.number}${branch ? `-${pathSafe(branch)}` : ""}`;
  }
  if (run.releaseTag) return pathSafe(run.releaseTag);
  if (run.ref.startsWith("refs/tags/")) return pathSafe(run.ref.slice("refs/tags/".length));
  if (run.ref.startsWith("refs/heads/")) {
    const branch = run.ref.slice("refs/heads/".length);
    return branch === run.defaultBranch ? "stable" : pathSafe(branch);
  }
  return "";
}
function pathSafe(name) {
  const safe = name.replace(/[^A-Za-z0-9._-]+/g, "-").replace(/^[-.]+|-+$/g, "").replace(/\.\.+/g, ".");
  return safe === "" ? "-" : safe;
}
var SEGMENT2 = /^[A-Za-z0-9_-][A-Za-z0-9._-]*$/;
function channelSegments(channel, input = "channel") {
  if (channel === "") return [];
  const segments = channel.split("/");
  for (const segment of segments) {
    if (!SEGMENT2.test(segment) || segment.includes("..") || segment.length > 255 || channel.length > 1024)
      throw new InputError(
        input,
        channel,
        'expected folder names of letters, digits, ".", "_" and "-" separated by "/" (no "..", no leading or double "/"), each at most 255 characters, 1024 in all'
      );
  }
  return segments;
}

// src/release/layout.ts
function indexFolder(p) {
  return [...p.channel, p.osName, p.osVersion];
}
function imageFolder(p) {
  return p.layout === "versioned" ? [...indexFolder(p), p.date] : indexFolder(p);
}

// src/release/plan.ts
async function makePlan(config, store, ctx) {
  const channel = config.channel ?? channelOf(ctx.run);
  const date = await resolveDate(config, ctx);
  const version = imageVersion(config.osName, config.osVersion, date, config.imageName);
  const placement = {
    channel,
    osName: config.osName,
    osVersion: config.osVersion,
    layout: config.layout,
    date
  };
  const indexDir = indexFolder(placement).join("/");
  const index = await readIndex(store, indexDir, config.osName, config.osVersion);
  const existing = [...index.versions.map((e) => e.version)];
  if (config.layout === "versioned") {
    for (const folder of await store.folders(indexDir)) {
      if (isCalendarDate(folder) && await store.size(`${indexDir}/${folder}/${IMAGE_FILE}`) !== void 0)
        existing.push(imageVersion(config.osName, config.osVersion, folder, config.imageName).version);
    }
  }
  const tags = await gitTags(ctx.cwd) ?? [];
  if (config.versionsFromTags) {
    for (const tag of tags) {
      const id = parseImageId(tag);
      if (id?.os === osOf(version.imageId) && sameMajorMinor(id.version, version.version))
        existing.push(id.version);
    }
  }
  return {
    channel,
    placement,
    version,
    decision: decideVersion(version, existing, config.onConflict),
    releaseTag: nextReleaseTag(utcDate(ctx.now), tags),
    imageDir: imageFolder(placement).join("/"),
    indexDir,
    index
  };
}
function channelOf(run) {
  const channel = deriveChannel(run);
  return channel === "" ? [] : channel.split("/");
}
async function resolveDate(config, ctx) {
  switch (config.date.kind) {
    case "fixed":
      return config.date.date;
    case "today":
      return utcDate(ctx.now);
    case "commit": {
      const date = await commitDate(ctx.cwd);
      if (!date)
        throw new InputError(
          "date",
          "commit",
          `${ctx.cwd} is not a git checkout with a commit to date the build by`
        );
      return date;
    }
  }
}
function osOf(imageId) {
  return imageId.slice(0, imageId.lastIndexOf("-"));
}

// src/rootfs/contract/tree.ts
var MAX_NODES = 5e4;
var MAX_NODE_CHARS = 16 << 20;
var MAX_STEPS = 4096;
var MAX_SYMLINK_HOPS = 40;
var Listed = class {
  count = 0;
  first = /* @__PURE__ */ new Map();
  add(path6, detail) {
    if (this.first.has(path6)) return void this.first.set(path6, detail);
    this.count++;
    if (this.first.size < MAX_LISTED) this.first.set(path6, detail);
  }
  /** A later entry replaced this path. Paths past the first MAX_LISTED are not remembered, so stay counted. */
  remove(path6) {
    if (this.first.delete(path6)) this.count--;
  }
};
var ROOT = { type: "directory", mode: 493, size: 0, linkname: "" };
var abs = (path6) => `/${path6}`;
var octal2 = (mode) => `0${(mode & 4095).toString(8).padStart(3, "0")}`;
var isRegular = (type) => type === "file" || type === "link";
var RootfsTree = class {
  nodes = /* @__PURE__ */ new Map();
  /** MAX_NODES or MAX_NODE_CHARS was reached: a path that is not recorded may still exist. */
  overflow = false;
  chars = 0;
  deep;
  /**
   * `deep`: the paths below the top two levels a check can ask about. The top two levels are always
   * kept (so /boot, /install.sh and the directory symlinks of a merged /usr resolve, and their absence
   * is certain).
   */
  constructor(deep) {
    this.deep = deep;
  }
  isTracked(path6) {
    const first = path6.indexOf("/");
    if (first < 0 || path6.indexOf("/", first + 1) < 0) return true;
    return this.deep(path6);
  }
  /** The names directly in a directory, as far as they are kept. */
  children(dir) {
    const prefix = dir === "" ? "" : `${dir}/`;
    const names = [];
    for (const path6 of this.nodes.keys())
      if (path6.startsWith(prefix) && path6.length > prefix.length && !path6.includes("/", prefix.length))
        names.push(path6.slice(prefix.length));
    return names.sort();
  }
  /** `hardLink`: what extraction made of a hard link (extract.ts), when it was checked. */
  record(path6, type, mode, size, linkname, hardLink) {
    if (type === "link") {
      if (hardLink?.kind === "broken")
        return this.put(path6, { type: "link", mode, size, linkname, broken: hardLink.link });
      if (hardLink?.kind === "symlink")
        return this.put(path6, { type: "symlink", mode, size: 0, linkname: hardLink.linkname });
      if (hardLink?.kind === "file") return this.put(path6, { type: "file", mode, size, linkname: "" });
      const target = this.nodes.get(normalizeTarPath(linkname));
      if (target !== void 0 && target.type === "symlink") return this.put(path6, { ...target, mode });
      return this.put(path6, { type: "file", mode, size, linkname: "" });
    }
    this.put(path6, { type, mode, size, linkname: type === "symlink" ? linkname : "" });
  }
  put(path6, node) {
    const kept = this.nodes.get(path6);
    const chars = this.chars + path6.length + node.linkname.length - (kept ? path6.length + kept.linkname.length : 0);
    if (!kept && this.nodes.size >= MAX_NODES || chars > MAX_NODE_CHARS) {
      this.overflow = true;
      return;
    }
    this.chars = chars;
    this.nodes.set(path6, node);
  }
  /** A tar need not list a file's directories; the top two levels must be known to be sure of absence. */
  implyParents(path6) {
    const first = path6.indexOf("/");
    if (first < 0) return;
    this.implyDirectory(path6.slice(0, first));
    const second = path6.indexOf("/", first + 1);
    if (second >= 0) this.implyDirectory(path6.slice(0, second));
  }
  implyDirectory(path6) {
    if (!this.nodes.has(path6)) this.put(path6, { type: "directory", mode: 493, size: 0, linkname: "" });
  }
  /**
   * Walks `path` component by component as the kernel would under chroot: symlinks are followed
   * (relative to their directory, absolute ones from the rootfs root, `..` stops at the root), a hop
   * count over MAX_SYMLINK_HOPS is a loop. A component the checker does not track is taken for a plain
   * directory; a final path it does not track is 'unknown' rather than missing.
   */
  resolve(path6) {
    const todo = path6.split("/").reverse();
    const at = [];
    let hops = 0;
    let steps = 0;
    let last = ROOT;
    while (todo.length > 0) {
      const part = todo.pop();
      if (++steps > MAX_STEPS) return { kind: "unknown", path: at.join("/"), hops };
      if (last !== void 0 && last.type !== "directory")
        return { kind: "not-directory", path: at.join("/"), hops };
      if (part === "" || part === ".") continue;
      if (part === "..") {
        at.pop();
        last = this.directoryAt(at);
        continue;
      }
      const candidate = at.length === 0 ? part : `${at.join("/")}/${part}`;
      const node = this.nodes.get(candidate);
      if (node === void 0) {
        if (this.isTracked(candidate)) {
          const rest = [candidate, ...todo.reverse()].filter((p) => p !== "" && p !== ".").join("/");
          return { kind: this.overflow ? "unknown" : "missing", path: rest, hops };
        }
        at.push(part);
        last = void 0;
        continue;
      }
      if (node.broken) return { kind: "broken-link", path: candidate, hops, link: node.broken };
      if (node.type === "symlink") {
        if (++hops > MAX_SYMLINK_HOPS) return { kind: "loop", path: candidate, hops };
        if (node.linkname.startsWith("/")) at.length = 0;
        const parts = node.linkname.split("/");
        for (let i2 = parts.length - 1; i2 >= 0; i2--) todo.push(parts[i2]);
        last = this.directoryAt(at);
        continue;
      }
      at.push(part);
      last = node;
    }
    const final = at.join("/");
    if (last === void 0) return { kind: "unknown", path: final, hops };
    const kind = last.type === "directory" ? "directory" : isRegular(last.type) ? "file" : "other";
    return { kind, path: final, hops, node: last };
  }
  /** The node of a resolved directory path; undefined when it is not tracked. */
  directoryAt(at) {
    return at.length === 0 ? ROOT : this.nodes.get(at.join("/"));
  }
  /** Why `name` (as the installer would open it) is not a usable regular file, or undefined if it is. */
  fileProblem(name, resolved) {
    const via = resolved.hops > 0 ? ` (a symlink to ${abs(resolved.path)})` : "";
    switch (resolved.kind) {
      case "file":
        return void 0;
      case "directory":
        return { level: "error", text: `${abs(name)} is a directory${via}` };
      case "other":
        return { level: "error", text: `${abs(name)} is a ${resolved.node.type}, not a regular file${via}` };
      case "loop":
        return { level: "error", text: `${abs(name)} is a symlink loop (through ${abs(resolved.path)})` };
      case "not-directory":
        return {
          level: "error",
          text: `${abs(name)} cannot be opened: ${abs(resolved.path)} is not a directory`
        };
      case "missing":
        return {
          level: "error",
          text: resolved.hops > 0 ? `${abs(name)} is a symlink to ${abs(resolved.path)}, which is not in the image` : `${abs(name)} is missing`
        };
      case "broken-link":
        return {
          level: "error",
          text: `${abs(name)}${resolved.hops > 0 ? ` leads to ${abs(resolved.path)}, which` : ""} is a hard link to ${abs(resolved.link.target)}, ${brokenWhy(resolved.link)}: os.Link fails in extraction`
        };
      case "unknown":
        return {
          level: "warning",
          text: `${abs(name)} leads to ${abs(resolved.path)}, a path this streaming check does not track: not verified`
        };
    }
  }
};
function brokenWhy(link2) {
  switch (link2.why) {
    case "missing":
      return "which is not in the image";
    case "later":
      return "which comes only later in the archive";
    case "not-before":
      return "which is not in the archive before it";
    case "self":
      return "itself";
    case "directory":
      return "a directory";
    case "outside":
      return "outside the image";
  }
}

// src/rootfs/contract/ssh.ts
var SSH_HOST_KEY = /^etc\/ssh\/ssh_host_[^/]*_key$/;
var SSHD_KEYGEN_UNIT = /^(?:etc|run|usr\/lib|lib|usr\/local\/lib)\/systemd\/system\/(sshd-keygen(?:@\.service|\.service))$/;
var CLOUD_CFG = /^etc\/cloud\/(?:cloud\.cfg|cloud\.cfg\.d\/[^/]+\.cfg)$/;
var CLOUD_INIT_DISABLED = "etc/cloud/cloud-init.disabled";
function checkHostKeys(out, facts) {
  const keys = facts.hostKeys;
  if (keys.count === 0) return;
  const paths = [...keys.first.keys()].map(abs);
  const shown = `${paths.slice(0, 3).join(", ")}${keys.count > 3 ? ", ..." : ""}`;
  const mechanisms = [];
  const obstacles = [];
  if (facts.cloudInit) {
    const setting = cloudSshDeleteKeys(facts.cloudConfigs);
    if (facts.tree.nodes.has(CLOUD_INIT_DISABLED))
      obstacles.push(`cloud-init is disabled by /${CLOUD_INIT_DISABLED}`);
    else if (setting !== void 0 && !isTrue(setting.value))
      obstacles.push(
        `cloud-init keeps them: ssh_deletekeys is ${setting.value || "empty"} in /${setting.file}`
      );
    else mechanisms.push("cloud-init's ssh module deletes and regenerates them on first boot");
  }
  const keygen = sshdKeygenUnit(facts.tree);
  if (keygen.unit !== void 0)
    mechanisms.push(
      `an sshd-keygen unit (${abs(keygen.unit)}) generates host keys at boot, but such units usually create only missing ones`
    );
  else if (keygen.masked) obstacles.push("the sshd-keygen unit is masked");
  const count2 = `${keys.count} SSH host ${keys.count === 1 ? "key" : "keys"} in the image (${shown})`;
  if (mechanisms.length === 0)
    out.push({
      id: "ssh-host-keys",
      level: "error",
      message: `${count2}: every machine installed from it would share them${obstacles.length ? `; ${obstacles.join("; ")}` : ""}`,
      path: paths[0],
      count: keys.count,
      paths
    });
  else
    out.push({
      id: "ssh-host-keys",
      level: "warning",
      message: `${count2}: ${mechanisms.join("; ")}`,
      path: paths[0],
      count: keys.count,
      paths
    });
}
function cloudSshDeleteKeys(cloudConfigs) {
  const files = [...cloudConfigs.keys()].sort(
    (a2, b) => a2 === "etc/cloud/cloud.cfg" ? -1 : b === "etc/cloud/cloud.cfg" ? 1 : a2 < b ? -1 : a2 > b ? 1 : 0
  );
  let found;
  for (const file of files) {
    const value = cloudConfigs.get(file).deleteKeys;
    if (typeof value === "string") found = { value, file };
  }
  return found;
}
function sshdKeygenUnit(tree) {
  let masked = false;
  for (const unit of [...tree.nodes.keys()].filter((p) => SSHD_KEYGEN_UNIT.test(p)).sort()) {
    const name = SSHD_KEYGEN_UNIT.exec(unit)[1];
    if (["etc", "run"].some((dir) => tree.nodes.get(`${dir}/systemd/system/${name}`)?.linkname === "/dev/null")) {
      masked = true;
      continue;
    }
    if (tree.resolve(unit).kind === "file") return { unit, masked };
  }
  return { masked };
}
function sshDeleteKeysSetting(text2) {
  let value = null;
  for (const line of text2.split(/\r?\n/)) {
    const m = /^ssh_deletekeys[ \t]*:(.*)$/.exec(line);
    if (!m) continue;
    let v = m[1].replace(/(^|[ \t])#.*$/, "").trim();
    if (/^(['"]).*\1$/.test(v)) v = v.slice(1, -1);
    value = v;
  }
  return value;
}
function isTrue(value) {
  return ["true", "1", "on", "yes"].includes(value.trim().toLowerCase());
}

// src/rootfs/contract/paths.ts
var DIR = 1;
var MADE_DIR = 2;
var FILE = 3;
var SYMLINK = 4;
var isDir = (kind) => kind === DIR || kind === MADE_DIR;
var PathTable = class {
  mask;
  /**
   * Two 32-bit words a slot, side by side (one cache line per probe): the first hash lane, then the
   * second lane with its low 3 bits replaced by the kind (0: an empty slot). 61 bits of hash in all.
   */
  slots;
  size = 0;
  overflowed = false;
  limit;
  constructor(limit, initialSlots = 1 << 17) {
    this.limit = limit;
    this.mask = initialSlots - 1;
    this.slots = new Int32Array(2 * initialSlots);
  }
  /** What `path` is, or 0 if it was never recorded. */
  get(path6) {
    hash(path6);
    return this.slots[this.find(h1, h2) + 1] & KIND;
  }
  /** Records `path`; false (and `overflowed`) when the table is full and the path was new. */
  set(path6, kind) {
    hash(path6);
    let at = this.find(h1, h2);
    if ((this.slots[at + 1] & KIND) === 0) {
      if (this.size >= this.limit) {
        this.overflowed = true;
        return false;
      }
      if (4 * (this.size + 1) > this.slots.length) {
        this.grow();
        at = this.find(h1, h2);
      }
      this.size++;
    }
    this.slots[at] = h1;
    this.slots[at + 1] = h2 & ~KIND | kind;
    return true;
  }
  /** Bytes the table holds. */
  get bytes() {
    return this.slots.byteLength;
  }
  /** Where the key's slot is (its first word), or the empty slot where it would go (linear probing). */
  find(a2, b) {
    const slots = this.slots;
    const key = b & ~KIND;
    let at = 2 * (a2 & this.mask);
    for (; ; ) {
      const second = slots[at + 1];
      if ((second & KIND) === 0 || slots[at] === a2 && (second & ~KIND) === key) return at;
      at = at + 2 & 2 * this.mask + 1;
    }
  }
  grow() {
    const old = this.slots;
    this.mask = old.length - 1;
    this.slots = new Int32Array(2 * old.length);
    for (let i2 = 0; i2 < old.length; i2 += 2) {
      if ((old[i2 + 1] & KIND) === 0) continue;
      const at = this.find(old[i2], old[i2 + 1]);
      this.slots[at] = old[i2];
      this.slots[at + 1] = old[i2 + 1];
    }
  }
};
var KIND = 7;
var h1 = 0;
var h2 = 0;
var hashed;
function hash(s) {
  if (s === hashed) return;
  hashed = s;
  let a2 = 2166136261;
  let b = 2538058380 ^ s.length;
  for (let i2 = 0; i2 < s.length; i2++) {
    const c3 = s.charCodeAt(i2);
    a2 = Math.imul(a2 ^ c3, 16777619);
    b = Math.imul(b ^ c3, 1540483477);
    b ^= b >>> 13;
  }
  h1 = fmix(a2);
  h2 = fmix(b);
}
function fmix(h3) {
  h3 ^= h3 >>> 16;
  h3 = Math.imul(h3, 2246822507);
  h3 ^= h3 >>> 13;
  h3 = Math.imul(h3, 3266489909);
  return h3 ^ h3 >>> 16;
}

// src/rootfs/contract/extract-findings.ts
function extractionFindings(out, lists, limits, unverified) {
  const many = (id, level, listed2, what2, why) => report(out, id, level, listed2, what2, why);
  many(
    "tar-type",
    "error",
    lists.unknownType,
    "of a type archiver v2.1.0 does not know",
    `metal-hammer's install fails at the first ("unknown type flag")`
  );
  many(
    "dotdot-path",
    "error",
    lists.dotdot,
    'with ".." in their names',
    'archiver refuses those that leave the image ("illegal file path"), GNU tar skips them all'
  );
  many(
    "parent-path",
    "error",
    lists.parent,
    "under a path that is no directory when extraction reaches them",
    "archiver's MkdirAll fails there, and the install with it"
  );
  many(
    "outside-root",
    "error",
    lists.outside,
    "written through an absolute symlink (or one climbing above /)",
    "archiver follows it on metal-hammer's own root: the file lands outside the image, or the install fails"
  );
  many(
    "path-exists",
    "error",
    lists.exists,
    "where an earlier entry already is",
    "os.Symlink, os.Link and os.Create fail there, and the install with them"
  );
  many(
    "path-exists",
    "warning",
    lists.through,
    "written through a symlink an earlier entry made",
    "archiver keeps the symlink and writes its target, GNU tar replaces the symlink"
  );
  const links = lists.hardLinks;
  if (links.count > 0) {
    for (const [path6, link2] of lists.brokenLinks)
      links.first.set(path6, `to ${abs(link2.target)}, ${brokenWhy(link2)}`);
    many(
      "hardlink-target",
      "error",
      links,
      ["is a hard link to no file extracted before it", "are hard links to no file extracted before them"],
      "os.Link fails, and the install with it"
    );
  }
  many(
    "mount-point",
    "error",
    lists.mountPoint,
    [
      "is not what metal-hammer made at its path before extracting",
      "are not what metal-hammer made at their path before extracting"
    ],
    "it makes /proc, /sys, /tmp, /dev, /etc and /etc/metal as directories and writes /etc/metal/disk.json; os.Symlink, os.Link and os.Create fail on them"
  );
  many(
    "proc-sys",
    "error",
    lists.procSys,
    "under /proc or /sys",
    "metal-hammer has procfs and sysfs mounted there while extracting; they refuse new files and mode changes, and the install fails"
  );
  many(
    "proc-sys",
    "warning",
    lists.procSysDirs,
    ["is a directory under /proc or /sys", "are directories under /proc or /sys"],
    "made only where the live procfs or sysfs has them; elsewhere the install fails"
  );
  many(
    "live-dev",
    "warning",
    lists.liveDev,
    ["under /dev lands on the installer's live /dev", "under /dev land on the installer's live /dev"],
    "metal-hammer binds it there before extracting: a device node there is opened and chmod-ed to the entry's mode, other files are lost with the installer, a symlink fails where the live /dev has the name"
  );
  many(
    "tmp-vanishes",
    "warning",
    lists.tmp,
    "under /tmp",
    "they land in the tmpfs metal-hammer mounts there while extracting, and are gone after the install"
  );
  many(
    "special-file",
    "warning",
    lists.special,
    ["is a device node or FIFO outside /dev", "are device nodes or FIFOs outside /dev"],
    "archiver writes them as empty regular files"
  );
  if (unverified > 0)
    out.push({
      id: "extract-unverified",
      level: "warning",
      message: `${unverified} ${unverified === 1 ? "entry was" : "entries were"} not fully checked for extraction: the checks keep up to ${limits.paths} paths, ${limits.links} symlink targets (${limits.linkBytes >> 20} MiB) and ${limits.pending} hard links waiting for a target, and follow up to ${limits.steps} components a path (${limits.walked >> 20} Mi characters in all), and this rootfs needs more`,
      count: unverified
    });
}
function report(out, id, level, listed2, what2, why) {
  if (listed2.count === 0) return;
  const paths = [...listed2.first.keys()];
  const shown = [...listed2.first].slice(0, 3).map(([path6, detail]) => detail ? `${abs(path6)} (${detail})` : abs(path6)).join(", ");
  const more = listed2.count > 3 ? `, and ${listed2.count - 3} more` : "";
  const subject = listed2.count === 1 ? "1 entry" : `${listed2.count} entries`;
  const verb = typeof what2 === "string" ? what2 : what2[listed2.count === 1 ? 0 : 1];
  out.push({
    id,
    level,
    message: `${subject} ${verb}: ${shown}${more}; ${why}`,
    path: abs(paths[0]),
    count: listed2.count,
    paths: paths.map(abs)
  });
}

// src/rootfs/contract/extract.ts
var PREMADE = [
  ["proc", MADE_DIR],
  ["sys", MADE_DIR],
  ["tmp", MADE_DIR],
  ["dev", MADE_DIR],
  ["etc", MADE_DIR],
  ["etc/metal", MADE_DIR],
  ["etc/metal/disk.json", FILE]
];
var PREMADE_PATHS = new Set(PREMADE.map(([p]) => p));
var MAX_HOPS = 40;
var LIMITS = {
  paths: 1 << 20,
  links: 1 << 17,
  linkBytes: 1 << 25,
  pending: 1 << 12,
  steps: 4096,
  walked: 1 << 24
};
var ExtractionCheck = class {
  paths;
  links = /* @__PURE__ */ new Map();
  pending = /* @__PURE__ */ new Map();
  limits;
  lists = {
    unknownType: new Listed(),
    dotdot: new Listed(),
    parent: new Listed(),
    outside: new Listed(),
    exists: new Listed(),
    through: new Listed(),
    hardLinks: new Listed(),
    brokenLinks: /* @__PURE__ */ new Map(),
    mountPoint: new Listed(),
    procSys: new Listed(),
    procSysDirs: new Listed(),
    liveDev: new Listed(),
    tmp: new Listed(),
    special: new Listed()
  };
  /** Entries whose checks needed a path or symlink target past the limits. */
  unverified = 0;
  /** Characters of paths walked, and of symlink targets kept, against the limits. */
  walked = 0;
  linkBytes = 0;
  lastDir = "";
  lastCanon = "";
  constructor(limits = LIMITS) {
    this.limits = limits;
    this.paths = new PathTable(limits.paths);
    for (const [path6, kind] of PREMADE) this.paths.set(path6, kind);
  }
  /** Bytes the kept paths take (not counting symlink targets). */
  get bytes() {
    return this.paths.bytes;
  }
  /** The next entry; for a hard link, what it links to (for the checks that follow links). */
  observe(entry) {
    const { type } = entry;
    if (entry.path === "") return void 0;
    if (type === "other") return void this.lists.unknownType.add(entry.path, flagName(entry.flag));
    const path6 = cleanPath(entry.path);
    if (path6 === void 0) return void this.lists.dotdot.add(entry.path, "");
    const slash = path6.lastIndexOf("/");
    const dir = slash < 0 ? "" : path6.slice(0, slash);
    const parent = this.reach(dir, true);
    if (typeof parent !== "string") return void this.problem(entry.path, parent);
    const name = path6.slice(slash + 1);
    const canon = parent === dir ? path6 : parent === "" ? name : `${parent}/${name}`;
    if (this.mounts(entry, canon)) return void 0;
    const existing = this.paths.get(canon);
    switch (type) {
      case "directory":
        if (existing === 0) this.create(canon, DIR);
        else if (existing === FILE) this.lists.exists.add(entry.path, "a directory where a regular file is");
        else if (existing === SYMLINK) {
          const to = this.reach(canon, false);
          if (typeof to !== "string" && to.problem !== "outside" && to.problem !== "unknown")
            this.lists.exists.add(entry.path, `a directory where a symlink to ${this.links.get(canon)} is`);
        }
        return void 0;
      case "symlink":
        if (existing !== 0)
          return void this.lists.exists.add(entry.path, `a symlink where ${what(existing)} is`);
        this.create(canon, SYMLINK, entry.linkname ?? "");
        return void 0;
      case "link":
        if (existing !== 0)
          return void this.lists.exists.add(entry.path, `a hard link where ${what(existing)} is`);
        return this.hardLink(entry, canon);
      default:
        if (type !== "file" && !canon.startsWith("dev/")) this.lists.special.add(entry.path, `a ${type}`);
        if (existing === 0) this.create(canon, FILE);
        else if (isDir(existing)) this.lists.exists.add(entry.path, `${kindName(type)} where a directory is`);
        else if (existing === SYMLINK) this.through(entry.path, canon, parent);
        return void 0;
    }
  }
  /** The findings, by rule. */
  findings(out) {
    extractionFindings(out, this.lists, this.limits, this.unverified);
  }
  /** Live mounts and what metal-hammer made: true when the entry is at such a path (and reported). */
  mounts(entry, canon) {
    const { type } = entry;
    const dir = type === "directory";
    if (PREMADE_PATHS.has(canon)) {
      const premade = this.paths.get(canon);
      if (dir ? !isDir(premade) : isDir(premade) || type === "symlink" || type === "link")
        this.lists.mountPoint.add(entry.path, `${kindName(type)}`);
      return true;
    }
    const slash = canon.indexOf("/");
    const top = slash < 0 ? canon : canon.slice(0, slash);
    if (top === "dev" && !dir) this.lists.liveDev.add(entry.path, kindName(type));
    else if (top === "proc" || top === "sys")
      (dir ? this.lists.procSysDirs : this.lists.procSys).add(entry.path, kindName(type));
    else if (top === "tmp") this.lists.tmp.add(entry.path, kindName(type));
    return false;
  }
  hardLink(entry, canon) {
    const target = cleanPath(normalizeTarPath(entry.linkname ?? ""));
    const broken = (why, at = target ?? entry.linkname ?? "") => {
      const link2 = { target: at, why };
      if (why === "missing") {
        const waiting = this.pending.get(at);
        if (waiting) waiting.push(link2);
        else if (this.pending.size < this.limits.pending) this.pending.set(at, [link2]);
        else link2.why = "not-before";
      }
      this.lists.hardLinks.add(entry.path, "");
      if (this.lists.hardLinks.first.has(entry.path)) this.lists.brokenLinks.set(entry.path, link2);
      return { kind: "broken", link: link2 };
    };
    if (target === void 0) return broken("outside");
    if (target === "") return broken("directory");
    const slash = target.lastIndexOf("/");
    const dir = this.reach(slash < 0 ? "" : target.slice(0, slash), false);
    if (typeof dir !== "string") {
      if (dir.problem === "unknown") return this.unverifiedLink(canon);
      return broken(dir.problem === "outside" ? "outside" : "missing");
    }
    const name = target.slice(slash + 1);
    const to = dir === "" ? name : `${dir}/${name}`;
    if (to === canon) return broken("self", to);
    const kind = this.paths.get(to);
    if (kind === 0) return this.paths.overflowed ? this.unverifiedLink(canon) : broken("missing", to);
    if (isDir(kind)) return broken("directory", to);
    if (kind === SYMLINK) {
      const linkname = this.links.get(to);
      if (linkname === void 0) return this.unverifiedLink(canon);
      this.create(canon, SYMLINK, linkname);
      return { kind: "symlink", linkname };
    }
    this.create(canon, FILE);
    return { kind: "file" };
  }
  unverifiedLink(canon) {
    this.unverified++;
    this.create(canon, FILE);
    return { kind: "file" };
  }
  /** A regular file written where a symlink is: os.Create follows it. */
  through(path6, canon, dir) {
    const linkname = this.links.get(canon);
    if (linkname === void 0) return void this.unverified++;
    const via = `${abs(path6)} -> ${linkname}`;
    if (linkname.startsWith("/")) return void this.lists.outside.add(path6, `through ${via}`);
    const target = dir === "" ? linkname : `${dir}/${linkname}`;
    const slash = target.lastIndexOf("/");
    const reached = this.reach(slash < 0 ? "" : target.slice(0, slash), false);
    if (typeof reached !== "string") {
      if (reached.problem === "outside") this.lists.outside.add(path6, `through ${via}`);
      else if (reached.problem !== "unknown")
        this.lists.exists.add(path6, `a file written through ${via}, which leads nowhere`);
      return;
    }
    const name = target.slice(slash + 1);
    const to = reached === "" ? name : `${reached}/${name}`;
    const kind = this.paths.get(to);
    if (isDir(kind)) return void this.lists.exists.add(path6, `a file written through ${via}, a directory`);
    this.lists.through.add(path6, `through ${via}`);
    if (kind === 0) this.create(to, FILE);
  }
  create(canon, kind, linkname) {
    if (!this.paths.set(canon, kind)) this.unverified++;
    if (kind === SYMLINK && this.links.size < this.limits.links && this.linkBytes + canon.length + linkname.length <= this.limits.linkBytes) {
      this.links.set(canon, linkname);
      this.linkBytes += canon.length + linkname.length;
    }
    if (this.pending.size > 0) {
      const waiting = this.pending.get(canon);
      if (waiting) {
        for (const link2 of waiting) link2.why = "later";
        this.pending.delete(canon);
      }
    }
  }
  /**
   * `dir` as extraction reaches it, component by component under /rootfs: symlinks followed (an
   * absolute one, or `..` above /rootfs, leaves the image: the kernel resolves them on metal-hammer's
   * own root). `create`: MkdirAll makes the missing directories of the path itself (not those a
   * symlink leads to); otherwise (os.Link's target) a missing one is missing.
   */
  reach(dir, create) {
    if (dir === "") return "";
    if (dir === this.lastDir) return this.lastCanon;
    if (isDir(this.paths.get(dir))) return this.remember(dir, dir);
    const todo = dir.split("/").reverse();
    let linked = 0;
    let cur = "";
    let hops = 0;
    let via;
    let steps = 0;
    while (todo.length > 0) {
      const part = todo.pop();
      if (++steps > this.limits.steps || this.walked > this.limits.walked)
        return { problem: "unknown", at: cur };
      this.walked += cur.length + part.length;
      const fromLink = linked > 0;
      if (fromLink) linked--;
      if (part === "" || part === ".") continue;
      if (part === "..") {
        if (cur === "") return { problem: "outside", at: cur, via };
        cur = cur.slice(0, Math.max(0, cur.lastIndexOf("/")));
        continue;
      }
      const next = cur === "" ? part : `${cur}/${part}`;
      const kind = this.paths.get(next);
      if (isDir(kind)) {
        cur = next;
        continue;
      }
      if (kind === 0) {
        if (this.paths.overflowed) return { problem: "unknown", at: next };
        if (fromLink || !create) return { problem: fromLink ? "dangling" : "missing", at: next, via };
        this.create(next, MADE_DIR);
        cur = next;
        continue;
      }
      if (kind === FILE) return { problem: "not-directory", at: next, via };
      if (++hops > MAX_HOPS) return { problem: "loop", at: next, via };
      const target = this.links.get(next);
      if (target === void 0) return { problem: "unknown", at: next };
      via = `${abs(next)} -> ${target}`;
      if (target.startsWith("/")) return { problem: "outside", at: next, via };
      const parts = target.split("/");
      for (let i2 = parts.length - 1; i2 >= 0; i2--) todo.push(parts[i2]);
      linked += parts.length;
    }
    return create ? this.remember(dir, cur) : cur;
  }
  remember(dir, canon) {
    this.lastDir = dir;
    this.lastCanon = canon;
    return canon;
  }
  problem(path6, reached) {
    const { problem, at, via } = reached;
    const through = via ? ` (through ${via})` : "";
    switch (problem) {
      case "unknown":
        return void this.unverified++;
      case "outside":
        return void this.lists.outside.add(path6, `through ${via ?? ".."}`);
      case "not-directory":
        return void this.lists.parent.add(path6, `${abs(at)} is a regular file${through}`);
      case "loop":
        return void this.lists.parent.add(path6, `${abs(at)} is a symlink loop`);
      default:
        return void this.lists.parent.add(path6, `${abs(at)} does not exist (yet)${through}`);
    }
  }
};
function cleanPath(path6) {
  if (path6.charCodeAt(0) !== 46 && !path6.includes("/.") && !path6.includes("//")) return path6;
  const parts = path6.split("/").filter((p) => p !== "" && p !== ".");
  return parts.includes("..") ? void 0 : parts.join("/");
}
function what(kind) {
  return kind === FILE ? "a regular file" : kind === SYMLINK ? "a symlink" : "a directory";
}
function kindName(type) {
  return type === "file" ? "a regular file" : type === "link" ? "a hard link" : `a ${type}`;
}
var FLAGS = {
  S: "an old GNU sparse file",
  "7": "a contiguous file",
  D: "a GNU directory dump",
  V: "a GNU volume label",
  M: "a GNU multi-volume continuation",
  N: "an old GNU long name"
};
function flagName(flag) {
  const shown = flag === void 0 ? "?" : /^[\x21-\x7e]$/.test(flag) ? flag : `\\x${flag.charCodeAt(0).toString(16)}`;
  return `type '${shown}'${FLAGS[flag ?? ""] ? `, ${FLAGS[flag]}` : ""}`;
}

// src/rootfs/contract/checker.ts
var MAX_CAPTURE2 = 1 << 20;
var KERNEL_FILE = /^(?:vmlinuz(?:-.+)?|System\.map(?:-.+)?|initrd\.img(?:-.+)?|initramfs(?:-.+)?\.img)$/;
var MACHINE_ID = "etc/machine-id";
var EVIDENCE = {
  frr: { packages: ["frr"], files: ["usr/lib/frr/zebra", "usr/libexec/frr/zebra", "usr/local/sbin/zebra"] },
  lldp: {
    packages: ["lldpd", "go-lldpd"],
    files: ["usr/local/bin/lldpd", "usr/local/sbin/lldpd", "usr/sbin/lldpd"]
  },
  ignition: {
    packages: ["ignition"],
    files: ["usr/local/bin/ignition", "usr/bin/ignition", "usr/lib/dracut/modules.d/30ignition/ignition"]
  },
  cloudInit: { packages: ["cloud-init"], files: ["usr/bin/cloud-init", "usr/local/bin/cloud-init"] }
};
var TRACKED_DEEP = /* @__PURE__ */ new Set([
  ...Object.values(EVIDENCE).flatMap((e) => e.files),
  "etc/cloud/cloud.cfg",
  CLOUD_INIT_DISABLED
]);
var ContractChecker = class {
  /** The paths a check can ask about: kernel files wherever they are, and the named files. */
  tree = new RootfsTree(
    (path6) => TRACKED_DEEP.has(path6) || KERNEL_FILE.test(path6.slice(path6.lastIndexOf("/") + 1)) || SSHD_KEYGEN_UNIT.test(path6)
  );
  /** What metal-hammer's extraction makes of each entry. */
  extraction;
  worldWritable = new Listed();
  hostKeys = new Listed();
  /** etc/machine-id when it is a regular file; its first bytes once file() delivered them. */
  machineId;
  /** Per cloud-init config file: the ssh_deletekeys value it sets (null: none), undefined until read. */
  cloudConfigs = /* @__PURE__ */ new Map();
  constructor(limits) {
    this.extraction = new ExtractionCheck(limits);
  }
  /** Bytes the extraction checks keep for the paths of the rootfs (hashed). */
  get extractionBytes() {
    return this.extraction.bytes;
  }
  /** How many entry headers the checker holds: stays small however large the rootfs is. */
  get recordedEntries() {
    return this.tree.nodes.size;
  }
  /**
   * Takes the next entry header. Returns true when the checker needs the entry's body: pass it to file(),
   * right away or once the stream has ended.
   */
  observe(entry) {
    const { path: path6, type } = entry;
    const mode = entry.mode & 4095;
    this.checkWorldWritable(path6, type, mode);
    const hardLink = this.extraction.observe(entry);
    if (path6 === "") return false;
    this.tree.implyParents(path6);
    if (this.tree.isTracked(path6))
      this.tree.record(path6, type, mode, entry.size, entry.linkname ?? "", hardLink);
    if (SSH_HOST_KEY.test(path6)) {
      if (type === "file" && entry.size > 0 || type === "link") this.hostKeys.add(path6, abs(path6));
      else this.hostKeys.remove(path6);
    }
    const small = type === "file" && entry.size <= MAX_CAPTURE2;
    if (path6 === MACHINE_ID) {
      this.machineId = type === "file" ? { size: entry.size } : void 0;
      return small && entry.size > 0;
    }
    if (CLOUD_CFG.test(path6)) {
      if (type === "file") this.cloudConfigs.set(path6, { size: entry.size });
      else this.cloudConfigs.delete(path6);
      return small;
    }
    return false;
  }
  /** The paths whose content the checker reads, for a capture predicate such as TarInspector's. */
  wants(path6) {
    return path6 === MACHINE_ID || CLOUD_CFG.test(path6);
  }
  /**
   * The body of an entry observe() asked for. Ignored unless it is the body of the latest entry for
   * that path (a regular file of this size), so content captured earlier for a replaced entry is harmless.
   */
  file(path6, content) {
    if (path6 === MACHINE_ID && this.machineId?.size === content.length) {
      this.machineId.head = content.subarray(0, 64).toString("latin1");
      return;
    }
    const config = this.cloudConfigs.get(path6);
    if (config !== void 0 && config.size === content.length && content.length <= MAX_CAPTURE2)
      config.deleteKeys = sshDeleteKeysSetting(content.toString("utf8"));
  }
  /** The findings, in CONTRACT_CHECKS order. `packages` is undefined when the image has no package database. */
  finish(packages) {
    const findings = [];
    this.extraction.findings(findings);
    this.checkKexec(findings);
    this.checkInstaller(findings);
    this.checkPackages(findings, packages);
    this.checkHygiene(findings);
    checkHostKeys(findings, {
      tree: this.tree,
      hostKeys: this.hostKeys,
      cloudConfigs: this.cloudConfigs,
      cloudInit: this.installed("cloudInit", packages)
    });
    const order2 = new Map(CONTRACT_CHECKS.map((c3, i2) => [c3.id, i2]));
    return findings.map((f, i2) => ({ f, i: i2 })).sort((a2, b) => order2.get(a2.f.id) - order2.get(b.f.id) || a2.i - b.i).map(({ f }) => f);
  }
  checkWorldWritable(path6, type, mode) {
    const writable2 = (mode & 2) !== 0 && (isRegular(type) || type === "directory" && (mode & 512) === 0) && !(path6 === "tmp" || path6.startsWith("tmp/") || path6 === "var/tmp" || path6.startsWith("var/tmp/"));
    if (!writable2) return this.worldWritable.remove(path6);
    const shown = path6 === "" ? "/" : `${abs(path6)}${type === "directory" ? "/" : ""}`;
    this.worldWritable.add(path6, `${shown} (${octal2(mode)})`);
  }
  checkKexec(out) {
    const boot = this.tree.resolve("boot");
    if (boot.kind !== "directory" && boot.kind !== "unknown") {
      const problem = boot.kind === "missing" && boot.hops === 0 ? "/boot is missing" : this.tree.fileProblem("boot", boot)?.text;
      out.push({
        id: "kexec-kernel",
        level: "error",
        message: `no kernel: ${problem ?? "/boot is not a directory"}; metal-hammer kexecs into /boot/vmlinuz-<version>`,
        path: "/boot"
      });
      return;
    }
    const dir = boot.path;
    const prefix = dir === "" ? "" : `${dir}/`;
    const names = this.tree.children(dir);
    const versions = (pattern) => names.flatMap((n2) => {
      const m = pattern.exec(n2);
      return m ? [m[1]] : [];
    });
    const kernels = versions(/^vmlinuz-(.+)$/);
    if (kernels.length === 0) {
      out.push({
        id: "kexec-kernel",
        level: "error",
        message: "no kernel: /boot has no vmlinuz-<version>, and metal-hammer kexecs into the kernel of the image",
        path: "/boot"
      });
      return;
    }
    if (kernels.length > 1) {
      out.push({
        id: "kexec-kernel",
        level: "error",
        message: `${kernels.length} kernels in /boot (${kernels.slice(0, 5).map((v) => `vmlinuz-${v}`).join(", ")}${kernels.length > 5 ? ", ..." : ""}): the installer needs exactly one`,
        path: "/boot"
      });
      return;
    }
    const version = kernels[0];
    const inBoot = (name) => ({
      name: `boot/${name}`,
      resolved: this.tree.resolve(`${prefix}${name}`)
    });
    const kernel = inBoot(`vmlinuz-${version}`);
    const kernelProblem = this.tree.fileProblem(kernel.name, kernel.resolved);
    if (kernelProblem)
      out.push({
        id: "kexec-kernel",
        level: kernelProblem.level,
        message: kernelProblem.text,
        path: abs(kernel.name)
      });
    const initrds = [`initrd.img-${version}`, `initramfs-${version}.img`].filter((n2) => names.includes(n2)).map(inBoot);
    if (initrds.length === 0)
      out.push({
        id: "kexec-initrd",
        level: "error",
        message: `kernel ${version} has no initrd: neither /boot/initrd.img-${version} nor /boot/initramfs-${version}.img`,
        path: `/boot/initrd.img-${version}`
      });
    else if (initrds.every((i2) => this.tree.fileProblem(i2.name, i2.resolved) !== void 0)) {
      const problems = initrds.map((i2) => ({ i: i2, p: this.tree.fileProblem(i2.name, i2.resolved) }));
      const shown = problems.find(({ p }) => p.level === "warning") ?? problems[0];
      out.push({ id: "kexec-initrd", level: shown.p.level, message: shown.p.text, path: abs(shown.i.name) });
    }
    const map = inBoot(`System.map-${version}`);
    if (!names.includes(`System.map-${version}`))
      out.push({
        id: "kexec-system-map",
        level: "error",
        message: `kernel ${version} has no /boot/System.map-${version}; os-installer finds the kernel version through it`,
        path: abs(map.name)
      });
    else {
      const problem = this.tree.fileProblem(map.name, map.resolved);
      if (problem)
        out.push({ id: "kexec-system-map", level: problem.level, message: problem.text, path: abs(map.name) });
    }
    for (const other of versions(/^System\.map-(.+)$/).filter((v) => v !== version))
      out.push({
        id: "kexec-system-map",
        level: "error",
        message: `/boot/System.map-${other} belongs to no kernel in /boot; os-installer needs exactly one System.map`,
        path: `/boot/System.map-${other}`
      });
  }
  checkInstaller(out) {
    const hasGo = this.tree.nodes.has("install-go");
    const hasSh = this.tree.nodes.has("install.sh");
    if (!hasGo && !hasSh) {
      out.push({
        id: "installer",
        level: "warning",
        message: "neither /install.sh nor /install-go: fine only if the image is installed by os-installer",
        path: "/install.sh"
      });
      return;
    }
    const go = hasGo ? this.tree.resolve("install-go") : void 0;
    if (go?.kind === "broken-link") {
      out.push({
        id: "installer",
        level: "error",
        message: `${this.tree.fileProblem("install-go", go).text}; metal-hammer would run it chrooted to install the image`,
        path: "/install-go"
      });
      return;
    }
    const goRuns = go !== void 0 && (go.kind === "file" || go.kind === "other" || go.kind === "unknown");
    if (!goRuns && !hasSh) {
      const why = this.tree.fileProblem("install-go", go).text;
      out.push({
        id: "installer",
        level: "error",
        message: `${why}, so metal-hammer would run /install.sh, which is missing`,
        path: "/install-go"
      });
      return;
    }
    const name = goRuns ? "install-go" : "install.sh";
    const resolved = goRuns ? go : this.tree.resolve("install.sh");
    const problem = this.tree.fileProblem(name, resolved);
    if (problem) {
      out.push({
        id: "installer",
        level: problem.level,
        message: `${problem.text}; metal-hammer runs it chrooted to install the image`,
        path: abs(name)
      });
      return;
    }
    if (resolved.kind === "file" && (resolved.node.mode & 73) === 0)
      out.push({
        id: "installer",
        level: "error",
        message: `${abs(name)} is not executable (mode ${octal2(resolved.node.mode)}); metal-hammer runs it chrooted to install the image`,
        path: abs(name)
      });
  }
  installed(component2, packages) {
    const { packages: names, files } = EVIDENCE[component2];
    return names.some((n2) => packages?.names.has(n2)) || files.some((f) => this.tree.resolve(f).kind === "file");
  }
  checkPackages(out, packages) {
    if (!this.installed("frr", packages))
      out.push({
        id: "package-frr",
        level: "warning",
        message: "FRR is not installed (no frr package, no zebra daemon): metal-stack routes to the host with it"
      });
    if (!this.installed("lldp", packages))
      out.push({
        id: "package-lldp",
        level: "warning",
        message: "no LLDP daemon (go-lldpd in /usr/local/bin/lldpd, or the lldpd package): metal-stack checks that an allocated machine is alive with it"
      });
    if (!this.installed("ignition", packages) && !this.installed("cloudInit", packages))
      out.push({
        id: "package-ignition-or-cloud-init",
        level: "warning",
        message: "neither ignition nor cloud-init is installed: the machine's user data will not run on first boot"
      });
  }
  checkHygiene(out) {
    if (this.tree.nodes.has(".dockerenv"))
      out.push({
        id: "dockerenv",
        level: "warning",
        message: "/.dockerenv is in the image (docker export adds it): tools that look for it think they run in a container",
        path: "/.dockerenv"
      });
    const id = this.machineId;
    const content = id?.head?.trim();
    if (id !== void 0 && id.size > 0 && content !== "" && content !== "uninitialized")
      out.push({
        id: "machine-id",
        level: "warning",
        message: `/etc/machine-id is not empty${content === void 0 ? "" : ` (${content.slice(0, 32)})`}: every machine installed from the image would have the same id`,
        path: "/etc/machine-id"
      });
    const ww = this.worldWritable;
    if (ww.count > 0) {
      const listed2 = [...ww.first.values()];
      const more = ww.count > 3 ? `, and ${ww.count - 3} more` : "";
      out.push({
        id: "world-writable",
        level: "warning",
        message: `${ww.count} world-writable ${ww.count === 1 ? "entry" : "entries"} outside /tmp and /var/tmp: ${listed2.slice(0, 3).join(", ")}${more}`,
        path: abs([...ww.first.keys()][0]),
        count: ww.count,
        paths: [...ww.first.keys()].map(abs)
      });
    }
  }
};

// src/source/cache.ts
import { createHash as createHash5 } from "node:crypto";

// src/source/build-cache.ts
import { existsSync as existsSync2 } from "node:fs";
import { lstat as lstat2, readdir as readdir2, rename as rename2, rm as rm2 } from "node:fs/promises";
import { tmpdir as tmpdir3 } from "node:os";
import { isAbsolute as isAbsolute2, join as join5, resolve as resolve3 } from "node:path";

// node_modules/is-plain-obj/index.js
function isPlainObject(value) {
  if (typeof value !== "object" || value === null) {
    return false;
  }
  const prototype = Object.getPrototypeOf(value);
  return (prototype === null || prototype === Object.prototype || Object.getPrototypeOf(prototype) === null) && !(Symbol.toStringTag in value) && !(Symbol.iterator in value);
}

// node_modules/execa/lib/arguments/file-url.js
import { fileURLToPath as fileURLToPath3 } from "node:url";
var safeNormalizeFileUrl = (file, name) => {
  const fileString = normalizeFileUrl(normalizeDenoExecPath(file));
  if (typeof fileString !== "string") {
    throw new TypeError(`${name} must be a string or a file URL: ${fileString}.`);
  }
  return fileString;
};
var normalizeDenoExecPath = (file) => isDenoExecPath(file) ? file.toString() : file;
var isDenoExecPath = (file) => typeof file !== "string" && file && Object.getPrototypeOf(file) === String.prototype;
var normalizeFileUrl = (file) => file instanceof URL ? fileURLToPath3(file) : file;

// node_modules/execa/lib/methods/parameters.js
var normalizeParameters = (rawFile, rawArguments = [], rawOptions = {}) => {
  const filePath = safeNormalizeFileUrl(rawFile, "First argument");
  const [commandArguments, options] = isPlainObject(rawArguments) ? [[], rawArguments] : [rawArguments, rawOptions];
  if (!Array.isArray(commandArguments)) {
    throw new TypeError(`Second argument must be either an array of arguments or an options object: ${commandArguments}`);
  }
  if (commandArguments.some((commandArgument) => typeof commandArgument === "object" && commandArgument !== null)) {
    throw new TypeError(`Second argument must be an array of strings: ${commandArguments}`);
  }
  const normalizedArguments = commandArguments.map(String);
  const nullByteArgument = normalizedArguments.find((normalizedArgument) => normalizedArgument.includes("\0"));
  if (nullByteArgument !== void 0) {
    throw new TypeError(`Arguments cannot contain null bytes ("\\0"): ${nullByteArgument}`);
  }
  if (!isPlainObject(options)) {
    throw new TypeError(`Last argument must be an options object: ${options}`);
  }
  return [filePath, normalizedArguments, options];
};

// node_modules/execa/lib/methods/template.js
import { ChildProcess } from "node:child_process";

// node_modules/execa/lib/utils/uint-array.js
import { StringDecoder as StringDecoder2 } from "node:string_decoder";
var { toString: objectToString } = Object.prototype;
var isArrayBuffer = (value) => objectToString.call(value) === "[object ArrayBuffer]";
var isUint8Array = (value) => objectToString.call(value) === "[object Uint8Array]";
var bufferToUint8Array = (buffer) => new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
var textEncoder = new TextEncoder();
var stringToUint8Array = (string) => textEncoder.encode(string);
var textDecoder = new TextDecoder();
var uint8ArrayToString = (uint8Array) => textDecoder.decode(uint8Array);
var joinToString = (uint8ArraysOrStrings, encoding) => {
  const strings = uint8ArraysToStrings(uint8ArraysOrStrings, encoding);
  return strings.join("");
};
var uint8ArraysToStrings = (uint8ArraysOrStrings, encoding) => {
  if (encoding === "utf8" && uint8ArraysOrStrings.every((uint8ArrayOrString) => typeof uint8ArrayOrString === "string")) {
    return uint8ArraysOrStrings;
  }
  const decoder = new StringDecoder2(encoding);
  const strings = uint8ArraysOrStrings.map((uint8ArrayOrString) => typeof uint8ArrayOrString === "string" ? stringToUint8Array(uint8ArrayOrString) : uint8ArrayOrString).map((uint8Array) => decoder.write(uint8Array));
  const finalString = decoder.end();
  return finalString === "" ? strings : [...strings, finalString];
};
var joinToUint8Array = (uint8ArraysOrStrings) => {
  if (uint8ArraysOrStrings.length === 1 && isUint8Array(uint8ArraysOrStrings[0])) {
    return uint8ArraysOrStrings[0];
  }
  return concatUint8Arrays(stringsToUint8Arrays(uint8ArraysOrStrings));
};
var stringsToUint8Arrays = (uint8ArraysOrStrings) => uint8ArraysOrStrings.map((uint8ArrayOrString) => typeof uint8ArrayOrString === "string" ? stringToUint8Array(uint8ArrayOrString) : uint8ArrayOrString);
var concatUint8Arrays = (uint8Arrays) => {
  const result = new Uint8Array(getJoinLength(uint8Arrays));
  let index = 0;
  for (const uint8Array of uint8Arrays) {
    result.set(uint8Array, index);
    index += uint8Array.length;
  }
  return result;
};
var getJoinLength = (uint8Arrays) => {
  let joinLength = 0;
  for (const uint8Array of uint8Arrays) {
    joinLength += uint8Array.length;
  }
  return joinLength;
};

// node_modules/execa/lib/methods/template.js
var isTemplateString = (templates) => Array.isArray(templates) && Array.isArray(templates.raw);
var parseTemplates = (templates, expressions) => {
  let tokens = [];
  for (const [index, template] of templates.entries()) {
    tokens = parseTemplate({
      templates,
      expressions,
      tokens,
      index,
      template
    });
  }
  if (tokens.length === 0) {
    throw new TypeError("Template script must not be empty");
  }
  const [file, ...commandArguments] = tokens;
  return [file, commandArguments, {}];
};
var parseTemplate = ({ templates, expressions, tokens, index, template }) => {
  if (template === void 0) {
    throw new TypeError(`Invalid backslash sequence: ${templates.raw[index]}`);
  }
  const { nextTokens, leadingWhitespaces, trailingWhitespaces } = splitByWhitespaces(template, templates.raw[index]);
  const newTokens = concatTokens(tokens, nextTokens, leadingWhitespaces);
  if (index === expressions.length) {
    return newTokens;
  }
  const expression = expressions[index];
  const expressionTokens = Array.isArray(expression) ? expression.map((expression2) => parseExpression(expression2)) : [parseExpression(expression)];
  return concatTokens(newTokens, expressionTokens, trailingWhitespaces);
};
var splitByWhitespaces = (template, rawTemplate) => {
  if (rawTemplate.length === 0) {
    return { nextTokens: [], leadingWhitespaces: false, trailingWhitespaces: false };
  }
  const nextTokens = [];
  let templateStart = 0;
  const leadingWhitespaces = DELIMITERS.has(rawTemplate[0]);
  for (let templateIndex = 0, rawIndex = 0; templateIndex < template.length; templateIndex += 1, rawIndex += 1) {
    const rawCharacter = rawTemplate[rawIndex];
    if (DELIMITERS.has(rawCharacter)) {
      if (templateStart !== templateIndex) {
        nextTokens.push(template.slice(templateStart, templateIndex));
      }
      templateStart = templateIndex + 1;
    } else if (rawCharacter === "\\") {
      const nextRawCharacter = rawTemplate[rawIndex + 1];
      if (nextRawCharacter === "\n") {
        templateIndex -= 1;
        rawIndex += 1;
      } else if (nextRawCharacter === "u" && rawTemplate[rawIndex + 2] === "{") {
        rawIndex = rawTemplate.indexOf("}", rawIndex + 3);
      } else {
        rawIndex += ESCAPE_LENGTH[nextRawCharacter] ?? 1;
      }
    }
  }
  const trailingWhitespaces = templateStart === template.length;
  if (!trailingWhitespaces) {
    nextTokens.push(template.slice(templateStart));
  }
  return { nextTokens, leadingWhitespaces, trailingWhitespaces };
};
var DELIMITERS = /* @__PURE__ */ new Set([" ", "	", "\r", "\n"]);
var ESCAPE_LENGTH = { x: 3, u: 5 };
var concatTokens = (tokens, nextTokens, isSeparated) => isSeparated || tokens.length === 0 || nextTokens.length === 0 ? [...tokens, ...nextTokens] : [
  ...tokens.slice(0, -1),
  `${tokens.at(-1)}${nextTokens[0]}`,
  ...nextTokens.slice(1)
];
var parseExpression = (expression) => {
  const typeOfExpression = typeof expression;
  if (typeOfExpression === "string") {
    return expression;
  }
  if (typeOfExpression === "number") {
    return String(expression);
  }
  if (isPlainObject(expression) && ("stdout" in expression || "isMaxBuffer" in expression)) {
    return getSubprocessResult(expression);
  }
  if (expression instanceof ChildProcess || Object.prototype.toString.call(expression) === "[object Promise]") {
    throw new TypeError("Unexpected subprocess in template expression. Please use ${await subprocess} instead of ${subprocess}.");
  }
  throw new TypeError(`Unexpected "${typeOfExpression}" in template expression`);
};
var getSubprocessResult = ({ stdout }) => {
  if (typeof stdout === "string") {
    return stdout;
  }
  if (isUint8Array(stdout)) {
    return uint8ArrayToString(stdout);
  }
  if (stdout === void 0) {
    throw new TypeError(`Missing result.stdout in template expression. This is probably due to the previous subprocess' "stdout" option.`);
  }
  throw new TypeError(`Unexpected "${typeof stdout}" stdout in template expression`);
};

// node_modules/execa/lib/methods/main-sync.js
import { spawnSync as spawnSync2 } from "node:child_process";

// node_modules/execa/lib/arguments/specific.js
import { debuglog } from "node:util";

// node_modules/execa/lib/utils/standard-stream.js
import process2 from "node:process";
var isStandardStream = (stream) => STANDARD_STREAMS.includes(stream);
var STANDARD_STREAMS = [process2.stdin, process2.stdout, process2.stderr];
var STANDARD_STREAMS_ALIASES = ["stdin", "stdout", "stderr"];
var getStreamName = (fdNumber) => STANDARD_STREAMS_ALIASES[fdNumber] ?? `stdio[${fdNumber}]`;

// node_modules/execa/lib/arguments/specific.js
var normalizeFdSpecificOptions = (options) => {
  const optionsCopy = { ...options };
  for (const optionName of FD_SPECIFIC_OPTIONS) {
    optionsCopy[optionName] = normalizeFdSpecificOption(options, optionName);
  }
  return optionsCopy;
};
var normalizeFdSpecificOption = (options, optionName) => {
  const optionBaseArray = Array.from({ length: getStdioLength(options) + 1 });
  const optionArray = normalizeFdSpecificValue(options[optionName], optionBaseArray, optionName);
  return addDefaultValue(optionArray, optionName);
};
var getStdioLength = ({ stdio }) => Array.isArray(stdio) ? Math.max(stdio.length, STANDARD_STREAMS_ALIASES.length) : STANDARD_STREAMS_ALIASES.length;
var normalizeFdSpecificValue = (optionValue, optionArray, optionName) => isPlainObject(optionValue) ? normalizeOptionObject(optionValue, optionArray, optionName) : optionArray.fill(optionValue);
var normalizeOptionObject = (optionValue, optionArray, optionName) => {
  for (const fdName of Object.keys(optionValue).sort(compareFdName)) {
    for (const fdNumber of parseFdName(fdName, optionName, optionArray)) {
      optionArray[fdNumber] = optionValue[fdName];
    }
  }
  return optionArray;
};
var compareFdName = (fdNameA, fdNameB) => getFdNameOrder(fdNameA) < getFdNameOrder(fdNameB) ? 1 : -1;
var getFdNameOrder = (fdName) => {
  if (fdName === "stdout" || fdName === "stderr") {
    return 0;
  }
  return fdName === "all" ? 2 : 1;
};
var parseFdName = (fdName, optionName, optionArray) => {
  if (fdName === "ipc") {
    return [optionArray.length - 1];
  }
  const fdNumber = parseFd(fdName);
  if (fdNumber === void 0 || fdNumber === 0) {
    throw new TypeError(`"${optionName}.${fdName}" is invalid.
It must be "${optionName}.stdout", "${optionName}.stderr", "${optionName}.all", "${optionName}.ipc", or "${optionName}.fd3", "${optionName}.fd4" (and so on).`);
  }
  if (fdNumber >= optionArray.length) {
    throw new TypeError(`"${optionName}.${fdName}" is invalid: that file descriptor does not exist.
Please set the "stdio" option to ensure that file descriptor exists.`);
  }
  return fdNumber === "all" ? [1, 2] : [fdNumber];
};
var parseFd = (fdName) => {
  if (fdName === "all") {
    return fdName;
  }
  if (STANDARD_STREAMS_ALIASES.includes(fdName)) {
    return STANDARD_STREAMS_ALIASES.indexOf(fdName);
  }
  const regexpResult = FD_REGEXP.exec(fdName);
  if (regexpResult !== null) {
    return Number(regexpResult[1]);
  }
};
var FD_REGEXP = /^fd(\d+)$/;
var addDefaultValue = (optionArray, optionName) => optionArray.map((optionValue) => optionValue === void 0 ? DEFAULT_OPTIONS[optionName] : optionValue);
var verboseDefault = debuglog("execa").enabled ? "full" : "none";
var DEFAULT_OPTIONS = {
  lines: false,
  buffer: true,
  maxBuffer: 1e3 * 1e3 * 100,
  verbose: verboseDefault,
  stripFinalNewline: true
};
var FD_SPECIFIC_OPTIONS = ["lines", "buffer", "maxBuffer", "verbose", "stripFinalNewline"];
var getFdSpecificValue = (optionArray, fdNumber) => fdNumber === "ipc" ? optionArray.at(-1) : optionArray[fdNumber];

// node_modules/execa/lib/verbose/values.js
var isVerbose = ({ verbose }, fdNumber) => getFdVerbose(verbose, fdNumber) !== "none";
var isFullVerbose = ({ verbose }, fdNumber) => !["none", "short"].includes(getFdVerbose(verbose, fdNumber));
var getVerboseFunction = ({ verbose }, fdNumber) => {
  const fdVerbose = getFdVerbose(verbose, fdNumber);
  return isVerboseFunction(fdVerbose) ? fdVerbose : void 0;
};
var getFdVerbose = (verbose, fdNumber) => fdNumber === void 0 ? getFdGenericVerbose(verbose) : getFdSpecificValue(verbose, fdNumber);
var getFdGenericVerbose = (verbose) => verbose.find((fdVerbose) => isVerboseFunction(fdVerbose)) ?? VERBOSE_VALUES.findLast((fdVerbose) => verbose.includes(fdVerbose));
var isVerboseFunction = (fdVerbose) => typeof fdVerbose === "function";
var VERBOSE_VALUES = ["none", "short", "full"];

// node_modules/execa/lib/verbose/log.js
import { inspect } from "node:util";

// node_modules/execa/lib/arguments/escape.js
import { platform } from "node:process";
import { stripVTControlCharacters } from "node:util";
var joinCommand = (filePath, rawArguments) => {
  const fileAndArguments = [filePath, ...rawArguments];
  const command = fileAndArguments.join(" ");
  const escapedCommand = fileAndArguments.map((fileAndArgument) => quoteString(escapeControlCharacters(fileAndArgument))).join(" ");
  return { command, escapedCommand };
};
var escapeLines = (lines2) => stripVTControlCharacters(lines2).split("\n").map((line) => escapeControlCharacters(line)).join("\n");
var escapeControlCharacters = (line) => line.replaceAll(SPECIAL_CHAR_REGEXP, (character) => escapeControlCharacter(character));
var escapeControlCharacter = (character) => {
  const commonEscape = COMMON_ESCAPES[character];
  if (commonEscape !== void 0) {
    return commonEscape;
  }
  const codepoint = character.codePointAt(0);
  const codepointHex = codepoint.toString(16);
  return codepoint <= ASTRAL_START ? `\\u${codepointHex.padStart(4, "0")}` : `\\U${codepointHex}`;
};
var getSpecialCharRegExp = () => {
  try {
    return new RegExp("\\p{Separator}|\\p{Other}", "gu");
  } catch {
    return /[\s\u0000-\u001F\u007F-\u009F\u00AD]/g;
  }
};
var SPECIAL_CHAR_REGEXP = getSpecialCharRegExp();
var COMMON_ESCAPES = {
  " ": " ",
  "\b": "\\b",
  "\f": "\\f",
  "\n": "\\n",
  "\r": "\\r",
  "	": "\\t"
};
var ASTRAL_START = 65535;
var quoteString = (escapedArgument) => {
  if (NO_ESCAPE_REGEXP.test(escapedArgument)) {
    return escapedArgument;
  }
  return platform === "win32" ? `"${escapedArgument.replaceAll('"', '""')}"` : `'${escapedArgument.replaceAll("'", "'\\''")}'`;
};
var NO_ESCAPE_REGEXP = /^[\w./-]+$/;

// node_modules/is-unicode-supported/index.js
import process3 from "node:process";
function isUnicodeSupported() {
  const { env } = process3;
  const { TERM, TERM_PROGRAM } = env;
  if (process3.platform !== "win32") {
    return TERM !== "linux";
  }
  return Boolean(env.WT_SESSION) || Boolean(env.TERMINUS_SUBLIME) || env.ConEmuTask === "{cmd::Cmder}" || TERM_PROGRAM === "Terminus-Sublime" || TERM_PROGRAM === "vscode" || TERM === "xterm-256color" || TERM === "alacritty" || TERM === "rxvt-unicode" || TERM === "rxvt-unicode-256color" || env.TERMINAL_EMULATOR === "JetBrains-JediTerm";
}

// node_modules/figures/index.js
var common = {
  circleQuestionMark: "(?)",
  questionMarkPrefix: "(?)",
  square: "\u2588",
  squareDarkShade: "\u2593",
  squareMediumShade: "\u2592",
  squareLightShade: "\u2591",
  squareTop: "\u2580",
  squareBottom: "\u2584",
  squareLeft: "\u258C",
  squareRight: "\u2590",
  squareCenter: "\u25A0",
  bullet: "\u25CF",
  dot: "\u2024",
  ellipsis: "\u2026",
  pointerSmall: "\u203A",
  triangleUp: "\u25B2",
  triangleUpSmall: "\u25B4",
  triangleDown: "\u25BC",
  triangleDownSmall: "\u25BE",
  triangleLeftSmall: "\u25C2",
  triangleRightSmall: "\u25B8",
  home: "\u2302",
  heart: "\u2665",
  musicNote: "\u266A",
  musicNoteBeamed: "\u266B",
  arrowUp: "\u2191",
  arrowDown: "\u2193",
  arrowLeft: "\u2190",
  arrowRight: "\u2192",
  arrowLeftRight: "\u2194",
  arrowUpDown: "\u2195",
  almostEqual: "\u2248",
  notEqual: "\u2260",
  lessOrEqual: "\u2264",
  greaterOrEqual: "\u2265",
  identical: "\u2261",
  infinity: "\u221E",
  subscriptZero: "\u2080",
  subscriptOne: "\u2081",
  subscriptTwo: "\u2082",
  subscriptThree: "\u2083",
  subscriptFour: "\u2084",
  subscriptFive: "\u2085",
  subscriptSix: "\u2086",
  subscriptSeven: "\u2087",
  subscriptEight: "\u2088",
  subscriptNine: "\u2089",
  oneHalf: "\xBD",
  oneThird: "\u2153",
  oneQuarter: "\xBC",
  oneFifth: "\u2155",
  oneSixth: "\u2159",
  oneEighth: "\u215B",
  twoThirds: "\u2154",
  twoFifths: "\u2156",
  threeQuarters: "\xBE",
  threeFifths: "\u2157",
  threeEighths: "\u215C",
  fourFifths: "\u2158",
  fiveSixths: "\u215A",
  fiveEighths: "\u215D",
  sevenEighths: "\u215E",
  line: "\u2500",
  lineBold: "\u2501",
  lineDouble: "\u2550",
  lineDashed0: "\u2504",
  lineDashed1: "\u2505",
  lineDashed2: "\u2508",
  lineDashed3: "\u2509",
  lineDashed4: "\u254C",
  lineDashed5: "\u254D",
  lineDashed6: "\u2574",
  lineDashed7: "\u2576",
  lineDashed8: "\u2578",
  lineDashed9: "\u257A",
  lineDashed10: "\u257C",
  lineDashed11: "\u257E",
  lineDashed12: "\u2212",
  lineDashed13: "\u2013",
  lineDashed14: "\u2010",
  lineDashed15: "\u2043",
  lineVertical: "\u2502",
  lineVerticalBold: "\u2503",
  lineVerticalDouble: "\u2551",
  lineVerticalDashed0: "\u2506",
  lineVerticalDashed1: "\u2507",
  lineVerticalDashed2: "\u250A",
  lineVerticalDashed3: "\u250B",
  lineVerticalDashed4: "\u254E",
  lineVerticalDashed5: "\u254F",
  lineVerticalDashed6: "\u2575",
  lineVerticalDashed7: "\u2577",
  lineVerticalDashed8: "\u2579",
  lineVerticalDashed9: "\u257B",
  lineVerticalDashed10: "\u257D",
  lineVerticalDashed11: "\u257F",
  lineDownLeft: "\u2510",
  lineDownLeftArc: "\u256E",
  lineDownBoldLeftBold: "\u2513",
  lineDownBoldLeft: "\u2512",
  lineDownLeftBold: "\u2511",
  lineDownDoubleLeftDouble: "\u2557",
  lineDownDoubleLeft: "\u2556",
  lineDownLeftDouble: "\u2555",
  lineDownRight: "\u250C",
  lineDownRightArc: "\u256D",
  lineDownBoldRightBold: "\u250F",
  lineDownBoldRight: "\u250E",
  lineDownRightBold: "\u250D",
  lineDownDoubleRightDouble: "\u2554",
  lineDownDoubleRight: "\u2553",
  lineDownRightDouble: "\u2552",
  lineUpLeft: "\u2518",
  lineUpLeftArc: "\u256F",
  lineUpBoldLeftBold: "\u251B",
  lineUpBoldLeft: "\u251A",
  lineUpLeftBold: "\u2519",
  lineUpDoubleLeftDouble: "\u255D",
  lineUpDoubleLeft: "\u255C",
  lineUpLeftDouble: "\u255B",
  lineUpRight: "\u2514",
  lineUpRightArc: "\u2570",
  lineUpBoldRightBold: "\u2517",
  lineUpBoldRight: "\u2516",
  lineUpRightBold: "\u2515",
  lineUpDoubleRightDouble: "\u255A",
  lineUpDoubleRight: "\u2559",
  lineUpRightDouble: "\u2558",
  lineUpDownLeft: "\u2524",
  lineUpBoldDownBoldLeftBold: "\u252B",
  lineUpBoldDownBoldLeft: "\u2528",
  lineUpDownLeftBold: "\u2525",
  lineUpBoldDownLeftBold: "\u2529",
  lineUpDownBoldLeftBold: "\u252A",
  lineUpDownBoldLeft: "\u2527",
  lineUpBoldDownLeft: "\u2526",
  lineUpDoubleDownDoubleLeftDouble: "\u2563",
  lineUpDoubleDownDoubleLeft: "\u2562",
  lineUpDownLeftDouble: "\u2561",
  lineUpDownRight: "\u251C",
  lineUpBoldDownBoldRightBold: "\u2523",
  lineUpBoldDownBoldRight: "\u2520",
  lineUpDownRightBold: "\u251D",
  lineUpBoldDownRightBold: "\u2521",
  lineUpDownBoldRightBold: "\u2522",
  lineUpDownBoldRight: "\u251F",
  lineUpBoldDownRight: "\u251E",
  lineUpDoubleDownDoubleRightDouble: "\u2560",
  lineUpDoubleDownDoubleRight: "\u255F",
  lineUpDownRightDouble: "\u255E",
  lineDownLeftRight: "\u252C",
  lineDownBoldLeftBoldRightBold: "\u2533",
  lineDownLeftBoldRightBold: "\u252F",
  lineDownBoldLeftRight: "\u2530",
  lineDownBoldLeftBoldRight: "\u2531",
  lineDownBoldLeftRightBold: "\u2532",
  lineDownLeftRightBold: "\u252E",
  lineDownLeftBoldRight: "\u252D",
  lineDownDoubleLeftDoubleRightDouble: "\u2566",
  lineDownDoubleLeftRight: "\u2565",
  lineDownLeftDoubleRightDouble: "\u2564",
  lineUpLeftRight: "\u2534",
  lineUpBoldLeftBoldRightBold: "\u253B",
  lineUpLeftBoldRightBold: "\u2537",
  lineUpBoldLeftRight: "\u2538",
  lineUpBoldLeftBoldRight: "\u2539",
  lineUpBoldLeftRightBold: "\u253A",
  lineUpLeftRightBold: "\u2536",
  lineUpLeftBoldRight: "\u2535",
  lineUpDoubleLeftDoubleRightDouble: "\u2569",
  lineUpDoubleLeftRight: "\u2568",
  lineUpLeftDoubleRightDouble: "\u2567",
  lineUpDownLeftRight: "\u253C",
  lineUpBoldDownBoldLeftBoldRightBold: "\u254B",
  lineUpDownBoldLeftBoldRightBold: "\u2548",
  lineUpBoldDownLeftBoldRightBold: "\u2547",
  lineUpBoldDownBoldLeftRightBold: "\u254A",
  lineUpBoldDownBoldLeftBoldRight: "\u2549",
  lineUpBoldDownLeftRight: "\u2540",
  lineUpDownBoldLeftRight: "\u2541",
  lineUpDownLeftBoldRight: "\u253D",
  lineUpDownLeftRightBold: "\u253E",
  lineUpBoldDownBoldLeftRight: "\u2542",
  lineUpDownLeftBoldRightBold: "\u253F",
  lineUpBoldDownLeftBoldRight: "\u2543",
  lineUpBoldDownLeftRightBold: "\u2544",
  lineUpDownBoldLeftBoldRight: "\u2545",
  lineUpDownBoldLeftRightBold: "\u2546",
  lineUpDoubleDownDoubleLeftDoubleRightDouble: "\u256C",
  lineUpDoubleDownDoubleLeftRight: "\u256B",
  lineUpDownLeftDoubleRightDouble: "\u256A",
  lineCross: "\u2573",
  lineBackslash: "\u2572",
  lineSlash: "\u2571"
};
var specialMainSymbols = {
  tick: "\u2714",
  info: "\u2139",
  warning: "\u26A0",
  cross: "\u2718",
  squareSmall: "\u25FB",
  squareSmallFilled: "\u25FC",
  circle: "\u25EF",
  circleFilled: "\u25C9",
  circleDotted: "\u25CC",
  circleDouble: "\u25CE",
  circleCircle: "\u24DE",
  circleCross: "\u24E7",
  circlePipe: "\u24BE",
  radioOn: "\u25C9",
  radioOff: "\u25EF",
  checkboxOn: "\u2612",
  checkboxOff: "\u2610",
  checkboxCircleOn: "\u24E7",
  checkboxCircleOff: "\u24BE",
  pointer: "\u276F",
  triangleUpOutline: "\u25B3",
  triangleLeft: "\u25C0",
  triangleRight: "\u25B6",
  lozenge: "\u25C6",
  lozengeOutline: "\u25C7",
  hamburger: "\u2630",
  smiley: "\u32E1",
  mustache: "\u0DF4",
  star: "\u2605",
  play: "\u25B6",
  nodejs: "\u2B22",
  oneSeventh: "\u2150",
  oneNinth: "\u2151",
  oneTenth: "\u2152"
};
var specialFallbackSymbols = {
  tick: "\u221A",
  info: "i",
  warning: "\u203C",
  cross: "\xD7",
  squareSmall: "\u25A1",
  squareSmallFilled: "\u25A0",
  circle: "( )",
  circleFilled: "(*)",
  circleDotted: "( )",
  circleDouble: "( )",
  circleCircle: "(\u25CB)",
  circleCross: "(\xD7)",
  circlePipe: "(\u2502)",
  radioOn: "(*)",
  radioOff: "( )",
  checkboxOn: "[\xD7]",
  checkboxOff: "[ ]",
  checkboxCircleOn: "(\xD7)",
  checkboxCircleOff: "( )",
  pointer: ">",
  triangleUpOutline: "\u2206",
  triangleLeft: "\u25C4",
  triangleRight: "\u25BA",
  lozenge: "\u2666",
  lozengeOutline: "\u25CA",
  hamburger: "\u2261",
  smiley: "\u263A",
  mustache: "\u250C\u2500\u2510",
  star: "\u2736",
  play: "\u25BA",
  nodejs: "\u2666",
  oneSeventh: "1/7",
  oneNinth: "1/9",
  oneTenth: "1/10"
};
var mainSymbols = { ...common, ...specialMainSymbols };
var fallbackSymbols = { ...common, ...specialFallbackSymbols };
var shouldUseMain = isUnicodeSupported();
var figures = shouldUseMain ? mainSymbols : fallbackSymbols;
var figures_default = figures;
var replacements = Object.entries(specialMainSymbols);

// node_modules/yoctocolors/base.js
import tty from "node:tty";
var hasColors = tty?.WriteStream?.prototype?.hasColors?.() ?? false;
var format = (open3, close) => {
  if (!hasColors) {
    return (input) => input;
  }
  const openCode = `\x1B[${open3}m`;
  const closeCode = `\x1B[${close}m`;
  return (input) => {
    const string = input + "";
    let index = string.indexOf(closeCode);
    if (index === -1) {
      return openCode + string + closeCode;
    }
    let result = openCode;
    let lastIndex = 0;
    const reopenOnNestedClose = close === 22;
    const replaceCode = (reopenOnNestedClose ? closeCode : "") + openCode;
    while (index !== -1) {
      result += string.slice(lastIndex, index) + replaceCode;
      lastIndex = index + closeCode.length;
      index = string.indexOf(closeCode, lastIndex);
    }
    result += string.slice(lastIndex) + closeCode;
    return result;
  };
};
var reset = format(0, 0);
var bold = format(1, 22);
var dim = format(2, 22);
var italic = format(3, 23);
var underline = format(4, 24);
var underlineDouble = format("4:2", 24);
var underlineCurly = format("4:3", 24);
var underlineDotted = format("4:4", 24);
var underlineDashed = format("4:5", 24);
var overline = format(53, 55);
var inverse = format(7, 27);
var hidden = format(8, 28);
var strikethrough = format(9, 29);
var black = format(30, 39);
var red = format(31, 39);
var green = format(32, 39);
var yellow = format(33, 39);
var blue = format(34, 39);
var magenta = format(35, 39);
var cyan = format(36, 39);
var white = format(37, 39);
var gray = format(90, 39);
var bgBlack = format(40, 49);
var bgRed = format(41, 49);
var bgGreen = format(42, 49);
var bgYellow = format(43, 49);
var bgBlue = format(44, 49);
var bgMagenta = format(45, 49);
var bgCyan = format(46, 49);
var bgWhite = format(47, 49);
var bgGray = format(100, 49);
var redBright = format(91, 39);
var greenBright = format(92, 39);
var yellowBright = format(93, 39);
var blueBright = format(94, 39);
var magentaBright = format(95, 39);
var cyanBright = format(96, 39);
var whiteBright = format(97, 39);
var bgRedBright = format(101, 49);
var bgGreenBright = format(102, 49);
var bgYellowBright = format(103, 49);
var bgBlueBright = format(104, 49);
var bgMagentaBright = format(105, 49);
var bgCyanBright = format(106, 49);
var bgWhiteBright = format(107, 49);
var underlineBlack = format("58;5;0", 59);
var underlineRed = format("58;5;1", 59);
var underlineGreen = format("58;5;2", 59);
var underlineYellow = format("58;5;3", 59);
var underlineBlue = format("58;5;4", 59);
var underlineMagenta = format("58;5;5", 59);
var underlineCyan = format("58;5;6", 59);
var underlineWhite = format("58;5;7", 59);
var underlineGray = format("58;5;8", 59);
var underlineRedBright = format("58;5;9", 59);
var underlineGreenBright = format("58;5;10", 59);
var underlineYellowBright = format("58;5;11", 59);
var underlineBlueBright = format("58;5;12", 59);
var underlineMagentaBright = format("58;5;13", 59);
var underlineCyanBright = format("58;5;14", 59);
var underlineWhiteBright = format("58;5;15", 59);

// node_modules/execa/lib/verbose/default.js
var defaultVerboseFunction = ({
  type,
  message,
  timestamp,
  piped,
  commandId,
  result: { failed = false } = {},
  options: { reject = true }
}) => {
  const timestampString = serializeTimestamp(timestamp);
  const icon = ICONS[type]({ failed, reject, piped });
  const color = COLORS[type]({ reject });
  return `${gray(`[${timestampString}]`)} ${gray(`[${commandId}]`)} ${color(icon)} ${color(message)}`;
};
var serializeTimestamp = (timestamp) => `${padField(timestamp.getHours(), 2)}:${padField(timestamp.getMinutes(), 2)}:${padField(timestamp.getSeconds(), 2)}.${padField(timestamp.getMilliseconds(), 3)}`;
var padField = (field2, padding) => String(field2).padStart(padding, "0");
var getFinalIcon = ({ failed, reject }) => {
  if (!failed) {
    return figures_default.tick;
  }
  return reject ? figures_default.cross : figures_default.warning;
};
var ICONS = {
  command: ({ piped }) => piped ? "|" : "$",
  output: () => " ",
  ipc: () => "*",
  error: getFinalIcon,
  duration: getFinalIcon
};
var identity = (string) => string;
var COLORS = {
  command: () => bold,
  output: () => identity,
  ipc: () => identity,
  error: ({ reject }) => reject ? redBright : yellowBright,
  duration: () => gray
};

// node_modules/execa/lib/verbose/custom.js
var applyVerboseOnLines = (printedLines, verboseInfo, fdNumber) => {
  const verboseFunction = getVerboseFunction(verboseInfo, fdNumber);
  return printedLines.map(({ verboseLine, verboseObject }) => applyVerboseFunction(verboseLine, verboseObject, verboseFunction)).filter((printedLine) => printedLine !== void 0).map((printedLine) => appendNewline(printedLine)).join("");
};
var applyVerboseFunction = (verboseLine, verboseObject, verboseFunction) => {
  if (verboseFunction === void 0) {
    return verboseLine;
  }
  const printedLine = verboseFunction(verboseLine, verboseObject);
  if (typeof printedLine === "string") {
    return printedLine;
  }
};
var appendNewline = (printedLine) => printedLine.endsWith("\n") ? printedLine : `${printedLine}
`;

// node_modules/execa/lib/verbose/log.js
var verboseLog = ({ type, verboseMessage, fdNumber, verboseInfo, result }) => {
  const verboseObject = getVerboseObject({ type, result, verboseInfo });
  const printedLines = getPrintedLines(verboseMessage, verboseObject);
  const finalLines = applyVerboseOnLines(printedLines, verboseInfo, fdNumber);
  if (finalLines !== "") {
    console.warn(finalLines.slice(0, -1));
  }
};
var getVerboseObject = ({
  type,
  result,
  verboseInfo: { escapedCommand, commandId, rawOptions: { piped = false, ...options } }
}) => ({
  type,
  escapedCommand,
  commandId: `${commandId}`,
  timestamp: /* @__PURE__ */ new Date(),
  piped,
  result,
  options
});
var getPrintedLines = (verboseMessage, verboseObject) => verboseMessage.split("\n").map((message) => getPrintedLine({ ...verboseObject, message }));
var getPrintedLine = (verboseObject) => {
  const verboseLine = defaultVerboseFunction(verboseObject);
  return { verboseLine, verboseObject };
};
var serializeVerboseMessage = (message) => {
  const messageString = typeof message === "string" ? message : inspect(message);
  const escapedMessage = escapeLines(messageString);
  return escapedMessage.replaceAll("	", " ".repeat(TAB_SIZE));
};
var TAB_SIZE = 2;

// node_modules/execa/lib/verbose/start.js
var logCommand = (escapedCommand, verboseInfo) => {
  if (!isVerbose(verboseInfo)) {
    return;
  }
  verboseLog({
    type: "command",
    verboseMessage: escapedCommand,
    verboseInfo
  });
};

// node_modules/execa/lib/verbose/info.js
var getVerboseInfo = (verbose, escapedCommand, rawOptions) => {
  validateVerbose(verbose);
  const commandId = getCommandId(verbose);
  return {
    verbose,
    escapedCommand,
    commandId,
    rawOptions
  };
};
var getCommandId = (verbose) => isVerbose({ verbose }) ? COMMAND_ID++ : void 0;
var COMMAND_ID = 0n;
var validateVerbose = (verbose) => {
  for (const fdVerbose of verbose) {
    if (fdVerbose === false) {
      throw new TypeError(`The "verbose: false" option was renamed to "verbose: 'none'".`);
    }
    if (fdVerbose === true) {
      throw new TypeError(`The "verbose: true" option was renamed to "verbose: 'short'".`);
    }
    if (!VERBOSE_VALUES.includes(fdVerbose) && !isVerboseFunction(fdVerbose)) {
      const allowedValues = VERBOSE_VALUES.map((allowedValue) => `'${allowedValue}'`).join(", ");
      throw new TypeError(`The "verbose" option must not be ${fdVerbose}. Allowed values are: ${allowedValues} or a function.`);
    }
  }
};

// node_modules/execa/lib/return/duration.js
import { hrtime } from "node:process";
var getStartTime = () => hrtime.bigint();
var getDurationMs = (startTime) => Number(hrtime.bigint() - startTime) / 1e6;

// node_modules/execa/lib/arguments/command.js
var handleCommand = (filePath, rawArguments, rawOptions) => {
  const startTime = getStartTime();
  const { command, escapedCommand } = joinCommand(filePath, rawArguments);
  const verbose = normalizeFdSpecificOption(rawOptions, "verbose");
  const verboseInfo = getVerboseInfo(verbose, escapedCommand, { ...rawOptions });
  logCommand(escapedCommand, verboseInfo);
  return {
    command,
    escapedCommand,
    startTime,
    verboseInfo
  };
};

// node_modules/execa/lib/arguments/options.js
var import_cross_spawn = __toESM(require_cross_spawn(), 1);
import path5 from "node:path";
import process6 from "node:process";

// node_modules/npm-run-path/index.js
import process4 from "node:process";
import path2 from "node:path";

// node_modules/npm-run-path/node_modules/path-key/index.js
function pathKey(options = {}) {
  const {
    env = process.env,
    platform: platform2 = process.platform
  } = options;
  if (platform2 !== "win32") {
    return "PATH";
  }
  return Object.keys(env).reverse().find((key) => key.toUpperCase() === "PATH") || "Path";
}

// node_modules/unicorn-magic/node.js
import { promisify } from "node:util";
import { execFile as execFileCallback, execFileSync as execFileSyncOriginal } from "node:child_process";
import path from "node:path";
import { fileURLToPath as fileURLToPath4 } from "node:url";
var execFileOriginal = promisify(execFileCallback);
function toPath(urlOrPath) {
  return urlOrPath instanceof URL ? fileURLToPath4(urlOrPath) : urlOrPath;
}
function traversePathUp(startPath) {
  return {
    *[Symbol.iterator]() {
      let currentPath = path.resolve(toPath(startPath));
      let previousPath;
      while (previousPath !== currentPath) {
        yield currentPath;
        previousPath = currentPath;
        currentPath = path.resolve(currentPath, "..");
      }
    }
  };
}
var TEN_MEGABYTES_IN_BYTES = 10 * 1024 * 1024;

// node_modules/npm-run-path/index.js
var npmRunPath = ({
  cwd = process4.cwd(),
  path: pathOption = process4.env[pathKey()],
  preferLocal = true,
  execPath: execPath2 = process4.execPath,
  addExecPath = true
} = {}) => {
  const cwdPath = path2.resolve(toPath(cwd));
  const result = [];
  const pathParts = pathOption.split(path2.delimiter);
  if (preferLocal) {
    applyPreferLocal(result, pathParts, cwdPath);
  }
  if (addExecPath) {
    applyExecPath(result, pathParts, execPath2, cwdPath);
  }
  return pathOption === "" || pathOption === path2.delimiter ? `${result.join(path2.delimiter)}${pathOption}` : [...result, pathOption].join(path2.delimiter);
};
var applyPreferLocal = (result, pathParts, cwdPath) => {
  for (const directory of traversePathUp(cwdPath)) {
    const pathPart = path2.join(directory, "node_modules/.bin");
    if (!pathParts.includes(pathPart)) {
      result.push(pathPart);
    }
  }
};
var applyExecPath = (result, pathParts, execPath2, cwdPath) => {
  const pathPart = path2.resolve(cwdPath, toPath(execPath2), "..");
  if (!pathParts.includes(pathPart)) {
    result.push(pathPart);
  }
};
var npmRunPathEnv = ({ env = process4.env, ...options } = {}) => {
  env = { ...env };
  const pathName = pathKey({ env });
  options.path = env[pathName];
  env[pathName] = npmRunPath(options);
  return env;
};

// node_modules/execa/lib/terminate/kill.js
import { setTimeout as setTimeout2 } from "node:timers/promises";

// node_modules/execa/lib/return/final-error.js
var getFinalError = (originalError, message, isSync) => {
  const ErrorClass = isSync ? ExecaSyncError : ExecaError;
  const options = originalError instanceof DiscardedError ? {} : { cause: originalError };
  return new ErrorClass(message, options);
};
var DiscardedError = class extends Error {
};
var setErrorName = (ErrorClass, value) => {
  Object.defineProperty(ErrorClass.prototype, "name", {
    value,
    writable: true,
    enumerable: false,
    configurable: true
  });
  Object.defineProperty(ErrorClass.prototype, execaErrorSymbol, {
    value: true,
    writable: false,
    enumerable: false,
    configurable: false
  });
};
var isExecaError = (error) => isErrorInstance(error) && execaErrorSymbol in error;
var execaErrorSymbol = /* @__PURE__ */ Symbol("isExecaError");
var isErrorInstance = (value) => Object.prototype.toString.call(value) === "[object Error]";
var ExecaError = class extends Error {
};
setErrorName(ExecaError, ExecaError.name);
var ExecaSyncError = class extends Error {
};
setErrorName(ExecaSyncError, ExecaSyncError.name);

// node_modules/execa/lib/terminate/signal.js
import { constants as constants4 } from "node:os";

// node_modules/human-signals/build/src/main.js
import { constants as constants3 } from "node:os";

// node_modules/human-signals/build/src/realtime.js
var getRealtimeSignals = () => {
  const length = SIGRTMAX - SIGRTMIN + 1;
  return Array.from({ length }, getRealtimeSignal);
};
var getRealtimeSignal = (value, index) => ({
  name: `SIGRT${index + 1}`,
  number: SIGRTMIN + index,
  action: "terminate",
  description: "Application-specific signal (realtime)",
  standard: "posix"
});
var SIGRTMIN = 34;
var SIGRTMAX = 64;

// node_modules/human-signals/build/src/signals.js
import { constants as constants2 } from "node:os";

// node_modules/human-signals/build/src/core.js
var SIGNALS = [
  {
    name: "SIGHUP",
    number: 1,
    action: "terminate",
    description: "Terminal closed",
    standard: "posix"
  },
  {
    name: "SIGINT",
    number: 2,
    action: "terminate",
    description: "User interruption with CTRL-C",
    standard: "ansi"
  },
  {
    name: "SIGQUIT",
    number: 3,
    action: "core",
    description: "User interruption with CTRL-\\",
    standard: "posix"
  },
  {
    name: "SIGILL",
    number: 4,
    action: "core",
    description: "Invalid machine instruction",
    standard: "ansi"
  },
  {
    name: "SIGTRAP",
    number: 5,
    action: "core",
    description: "Debugger breakpoint",
    standard: "posix"
  },
  {
    name: "SIGABRT",
    number: 6,
    action: "core",
    description: "Aborted",
    standard: "ansi"
  },
  {
    name: "SIGIOT",
    number: 6,
    action: "core",
    description: "Aborted",
    standard: "bsd"
  },
  {
    name: "SIGBUS",
    number: 7,
    action: "core",
    description: "Bus error due to misaligned, non-existing address or paging error",
    standard: "bsd"
  },
  {
    name: "SIGEMT",
    number: 7,
    action: "terminate",
    description: "Command should be emulated but is not implemented",
    standard: "other"
  },
  {
    name: "SIGFPE",
    number: 8,
    action: "core",
    description: "Floating point arithmetic error",
    standard: "ansi"
  },
  {
    name: "SIGKILL",
    number: 9,
    action: "terminate",
    description: "Forced termination",
    standard: "posix",
    forced: true
  },
  {
    name: "SIGUSR1",
    number: 10,
    action: "terminate",
    description: "Application-specific signal",
    standard: "posix"
  },
  {
    name: "SIGSEGV",
    number: 11,
    action: "core",
    description: "Segmentation fault",
    standard: "ansi"
  },
  {
    name: "SIGUSR2",
    number: 12,
    action: "terminate",
    description: "Application-specific signal",
    standard: "posix"
  },
  {
    name: "SIGPIPE",
    number: 13,
    action: "terminate",
    description: "Broken pipe or socket",
    standard: "posix"
  },
  {
    name: "SIGALRM",
    number: 14,
    action: "terminate",
    description: "Timeout or timer",
    standard: "posix"
  },
  {
    name: "SIGTERM",
    number: 15,
    action: "terminate",
    description: "Termination",
    standard: "ansi"
  },
  {
    name: "SIGSTKFLT",
    number: 16,
    action: "terminate",
    description: "Stack is empty or overflowed",
    standard: "other"
  },
  {
    name: "SIGCHLD",
    number: 17,
    action: "ignore",
    description: "Child process terminated, paused or unpaused",
    standard: "posix"
  },
  {
    name: "SIGCLD",
    number: 17,
    action: "ignore",
    description: "Child process terminated, paused or unpaused",
    standard: "other"
  },
  {
    name: "SIGCONT",
    number: 18,
    action: "unpause",
    description: "Unpaused",
    standard: "posix",
    forced: true
  },
  {
    name: "SIGSTOP",
    number: 19,
    action: "pause",
    description: "Paused",
    standard: "posix",
    forced: true
  },
  {
    name: "SIGTSTP",
    number: 20,
    action: "pause",
    description: 'Paused using CTRL-Z or "suspend"',
    standard: "posix"
  },
  {
    name: "SIGTTIN",
    number: 21,
    action: "pause",
    description: "Background process cannot read terminal input",
    standard: "posix"
  },
  {
    name: "SIGBREAK",
    number: 21,
    action: "terminate",
    description: "User interruption with CTRL-BREAK",
    standard: "other"
  },
  {
    name: "SIGTTOU",
    number: 22,
    action: "pause",
    description: "Background process cannot write to terminal output",
    standard: "posix"
  },
  {
    name: "SIGURG",
    number: 23,
    action: "ignore",
    description: "Socket received out-of-band data",
    standard: "bsd"
  },
  {
    name: "SIGXCPU",
    number: 24,
    action: "core",
    description: "Process timed out",
    standard: "bsd"
  },
  {
    name: "SIGXFSZ",
    number: 25,
    action: "core",
    description: "File too big",
    standard: "bsd"
  },
  {
    name: "SIGVTALRM",
    number: 26,
    action: "terminate",
    description: "Timeout or timer",
    standard: "bsd"
  },
  {
    name: "SIGPROF",
    number: 27,
    action: "terminate",
    description: "Timeout or timer",
    standard: "bsd"
  },
  {
    name: "SIGWINCH",
    number: 28,
    action: "ignore",
    description: "Terminal window size changed",
    standard: "bsd"
  },
  {
    name: "SIGIO",
    number: 29,
    action: "terminate",
    description: "I/O is available",
    standard: "other"
  },
  {
    name: "SIGPOLL",
    number: 29,
    action: "terminate",
    description: "Watched event",
    standard: "other"
  },
  {
    name: "SIGINFO",
    number: 29,
    action: "ignore",
    description: "Request for process information",
    standard: "other"
  },
  {
    name: "SIGPWR",
    number: 30,
    action: "terminate",
    description: "Device running out of power",
    standard: "systemv"
  },
  {
    name: "SIGSYS",
    number: 31,
    action: "core",
    description: "Invalid system call",
    standard: "other"
  },
  {
    name: "SIGUNUSED",
    number: 31,
    action: "terminate",
    description: "Invalid system call",
    standard: "other"
  }
];

// node_modules/human-signals/build/src/signals.js
var getSignals = () => {
  const realtimeSignals = getRealtimeSignals();
  const signals2 = [...SIGNALS, ...realtimeSignals].map(normalizeSignal);
  return signals2;
};
var normalizeSignal = ({
  name,
  number: defaultNumber,
  description,
  action,
  forced = false,
  standard
}) => {
  const {
    signals: { [name]: constantSignal }
  } = constants2;
  const supported = constantSignal !== void 0;
  const number = supported ? constantSignal : defaultNumber;
  return { name, number, description, supported, action, forced, standard };
};

// node_modules/human-signals/build/src/main.js
var getSignalsByName = () => {
  const signals2 = getSignals();
  return Object.fromEntries(signals2.map(getSignalByName));
};
var getSignalByName = ({
  name,
  number,
  description,
  supported,
  action,
  forced,
  standard
}) => [name, { name, number, description, supported, action, forced, standard }];
var signalsByName = getSignalsByName();
var getSignalsByNumber = () => {
  const signals2 = getSignals();
  const length = SIGRTMAX + 1;
  const signalsA = Array.from(
    { length },
    (value, number) => getSignalByNumber(number, signals2)
  );
  return Object.assign({}, ...signalsA);
};
var getSignalByNumber = (number, signals2) => {
  const signal = findSignalByNumber(number, signals2);
  if (signal === void 0) {
    return {};
  }
  const { name, description, supported, action, forced, standard } = signal;
  return {
    [number]: {
      name,
      number,
      description,
      supported,
      action,
      forced,
      standard
    }
  };
};
var findSignalByNumber = (number, signals2) => {
  const signal = signals2.find(({ name }) => constants3.signals[name] === number);
  if (signal !== void 0) {
    return signal;
  }
  return signals2.find((signalA) => signalA.number === number);
};
var signalsByNumber = getSignalsByNumber();

// node_modules/execa/lib/terminate/signal.js
var normalizeKillSignal = (killSignal) => {
  const optionName = "option `killSignal`";
  if (killSignal === 0) {
    throw new TypeError(`Invalid ${optionName}: 0 cannot be used.`);
  }
  return normalizeSignal2(killSignal, optionName);
};
var normalizeSignalArgument = (signal) => signal === 0 ? signal : normalizeSignal2(signal, "`subprocess.kill()`'s argument");
var normalizeSignal2 = (signalNameOrInteger, optionName) => {
  if (Number.isInteger(signalNameOrInteger)) {
    return normalizeSignalInteger(signalNameOrInteger, optionName);
  }
  if (typeof signalNameOrInteger === "string") {
    return normalizeSignalName(signalNameOrInteger, optionName);
  }
  throw new TypeError(`Invalid ${optionName} ${String(signalNameOrInteger)}: it must be a string or an integer.
${getAvailableSignals()}`);
};
var normalizeSignalInteger = (signalInteger, optionName) => {
  if (signalsIntegerToName.has(signalInteger)) {
    return signalsIntegerToName.get(signalInteger);
  }
  throw new TypeError(`Invalid ${optionName} ${signalInteger}: this signal integer does not exist.
${getAvailableSignals()}`);
};
var getSignalsIntegerToName = () => new Map(Object.entries(constants4.signals).reverse().map(([signalName, signalInteger]) => [signalInteger, signalName]));
var signalsIntegerToName = getSignalsIntegerToName();
var normalizeSignalName = (signalName, optionName) => {
  if (signalName in constants4.signals) {
    return signalName;
  }
  if (signalName.toUpperCase() in constants4.signals) {
    throw new TypeError(`Invalid ${optionName} '${signalName}': please rename it to '${signalName.toUpperCase()}'.`);
  }
  throw new TypeError(`Invalid ${optionName} '${signalName}': this signal name does not exist.
${getAvailableSignals()}`);
};
var getAvailableSignals = () => `Available signal names: ${getAvailableSignalNames()}.
Available signal numbers: ${getAvailableSignalIntegers()}.`;
var getAvailableSignalNames = () => Object.keys(constants4.signals).sort().map((signalName) => `'${signalName}'`).join(", ");
var getAvailableSignalIntegers = () => [...new Set(Object.values(constants4.signals).sort((signalInteger, signalIntegerTwo) => signalInteger - signalIntegerTwo))].join(", ");
var getSignalDescription = (signal) => signalsByName[signal].description;

// node_modules/execa/lib/terminate/kill.js
var normalizeForceKillAfterDelay = (forceKillAfterDelay) => {
  if (forceKillAfterDelay === false) {
    return forceKillAfterDelay;
  }
  if (forceKillAfterDelay === true) {
    return DEFAULT_FORCE_KILL_TIMEOUT;
  }
  if (!Number.isFinite(forceKillAfterDelay) || forceKillAfterDelay < 0) {
    throw new TypeError(`Expected the \`forceKillAfterDelay\` option to be a non-negative integer, got \`${forceKillAfterDelay}\` (${typeof forceKillAfterDelay})`);
  }
  return forceKillAfterDelay;
};
var DEFAULT_FORCE_KILL_TIMEOUT = 1e3 * 5;
var subprocessKill = ({ kill, options: { forceKillAfterDelay, killSignal }, onInternalError, context, controller }, signalOrError, errorArgument) => {
  const { signal, error } = parseKillArguments(signalOrError, errorArgument, killSignal);
  emitKillError(error, onInternalError);
  const killResult = kill(signal);
  setKillTimeout({
    kill,
    signal,
    forceKillAfterDelay,
    killSignal,
    killResult,
    context,
    controller
  });
  return killResult;
};
var parseKillArguments = (signalOrError, errorArgument, killSignal) => {
  const [signal = killSignal, error] = isErrorInstance(signalOrError) ? [void 0, signalOrError] : [signalOrError, errorArgument];
  if (typeof signal !== "string" && !Number.isInteger(signal)) {
    throw new TypeError(`The first argument must be an error instance or a signal name string/integer: ${String(signal)}`);
  }
  if (error !== void 0 && !isErrorInstance(error)) {
    throw new TypeError(`The second argument is optional. If specified, it must be an error instance: ${error}`);
  }
  return { signal: normalizeSignalArgument(signal), error };
};
var emitKillError = (error, onInternalError) => {
  if (error !== void 0) {
    onInternalError.reject(error);
  }
};
var setKillTimeout = async ({ kill, signal, forceKillAfterDelay, killSignal, killResult, context, controller }) => {
  if (signal === killSignal && killResult) {
    killOnTimeout({
      kill,
      forceKillAfterDelay,
      context,
      controllerSignal: controller.signal
    });
  }
};
var killOnTimeout = async ({ kill, forceKillAfterDelay, context, controllerSignal }) => {
  if (forceKillAfterDelay === false) {
    return;
  }
  try {
    await setTimeout2(forceKillAfterDelay, void 0, { signal: controllerSignal });
    if (kill("SIGKILL")) {
      context.isForcefullyTerminated ??= true;
    }
  } catch {
  }
};

// node_modules/execa/lib/utils/abort-signal.js
import { once } from "node:events";
var onAbortedSignal = async (mainSignal, stopSignal) => {
  if (!mainSignal.aborted) {
    await once(mainSignal, "abort", { signal: stopSignal });
  }
};

// node_modules/execa/lib/terminate/cancel.js
var validateCancelSignal = ({ cancelSignal }) => {
  if (cancelSignal !== void 0 && Object.prototype.toString.call(cancelSignal) !== "[object AbortSignal]") {
    throw new Error(`The \`cancelSignal\` option must be an AbortSignal: ${String(cancelSignal)}`);
  }
};
var throwOnCancel = ({ subprocess, cancelSignal, gracefulCancel, context, controller }) => cancelSignal === void 0 || gracefulCancel ? [] : [terminateOnCancel(subprocess, cancelSignal, context, controller)];
var terminateOnCancel = async (subprocess, cancelSignal, context, { signal }) => {
  await onAbortedSignal(cancelSignal, signal);
  context.terminationReason ??= "cancel";
  subprocess.kill();
  throw cancelSignal.reason;
};

// node_modules/execa/lib/ipc/graceful.js
import { scheduler as scheduler2 } from "node:timers/promises";

// node_modules/execa/lib/ipc/send.js
import { promisify as promisify2 } from "node:util";

// node_modules/execa/lib/ipc/validation.js
var validateIpcMethod = ({ methodName, isSubprocess, ipc, isConnected: isConnected2 }) => {
  validateIpcOption(methodName, isSubprocess, ipc);
  validateConnection(methodName, isSubprocess, isConnected2);
};
var validateIpcOption = (methodName, isSubprocess, ipc) => {
  if (!ipc) {
    throw new Error(`${getMethodName(methodName, isSubprocess)} can only be used if the \`ipc\` option is \`true\`.`);
  }
};
var validateConnection = (methodName, isSubprocess, isConnected2) => {
  if (!isConnected2) {
    throw new Error(`${getMethodName(methodName, isSubprocess)} cannot be used: the ${getOtherProcessName(isSubprocess)} has already exited or disconnected.`);
  }
};
var throwOnEarlyDisconnect = (isSubprocess) => {
  throw new Error(`${getMethodName("getOneMessage", isSubprocess)} could not complete: the ${getOtherProcessName(isSubprocess)} exited or disconnected.`);
};
var throwOnStrictDeadlockError = (isSubprocess) => {
  throw new Error(`${getMethodName("sendMessage", isSubprocess)} failed: the ${getOtherProcessName(isSubprocess)} is sending a message too, instead of listening to incoming messages.
This can be fixed by both sending a message and listening to incoming messages at the same time:

const [receivedMessage] = await Promise.all([
	${getMethodName("getOneMessage", isSubprocess)},
	${getMethodName("sendMessage", isSubprocess, "message, {strict: true}")},
]);`);
};
var getStrictResponseError = (error, isSubprocess) => new Error(`${getMethodName("sendMessage", isSubprocess)} failed when sending an acknowledgment response to the ${getOtherProcessName(isSubprocess)}.`, { cause: error });
var throwOnMissingStrict = (isSubprocess) => {
  throw new Error(`${getMethodName("sendMessage", isSubprocess)} failed: the ${getOtherProcessName(isSubprocess)} is not listening to incoming messages.`);
};
var throwOnStrictDisconnect = (isSubprocess) => {
  throw new Error(`${getMethodName("sendMessage", isSubprocess)} failed: the ${getOtherProcessName(isSubprocess)} exited without listening to incoming messages.`);
};
var getAbortDisconnectError = () => new Error(`\`cancelSignal\` aborted: the ${getOtherProcessName(true)} disconnected.`);
var throwOnMissingParent = () => {
  throw new Error("`getCancelSignal()` cannot be used without setting the `cancelSignal` subprocess option.");
};
var handleEpipeError = ({ error, methodName, isSubprocess }) => {
  if (error.code === "EPIPE") {
    throw new Error(`${getMethodName(methodName, isSubprocess)} cannot be used: the ${getOtherProcessName(isSubprocess)} is disconnecting.`, { cause: error });
  }
};
var handleSerializationError = ({ error, methodName, isSubprocess, message }) => {
  if (isSerializationError(error)) {
    throw new Error(`${getMethodName(methodName, isSubprocess)}'s argument type is invalid: the message cannot be serialized: ${String(message)}.`, { cause: error });
  }
};
var isSerializationError = ({ code: code2, message }) => SERIALIZATION_ERROR_CODES.has(code2) || SERIALIZATION_ERROR_MESSAGES.some((serializationErrorMessage) => message.includes(serializationErrorMessage));
var SERIALIZATION_ERROR_CODES = /* @__PURE__ */ new Set([
  // Message is `undefined`
  "ERR_MISSING_ARGS",
  // Message is a function, a bigint, a symbol
  "ERR_INVALID_ARG_TYPE"
]);
var SERIALIZATION_ERROR_MESSAGES = [
  // Message is a promise or a proxy, with `serialization: 'advanced'`
  "could not be cloned",
  // Message has cycles, with `serialization: 'json'`
  "circular structure",
  // Message has cycles inside toJSON(), with `serialization: 'json'`
  "call stack size exceeded"
];
var getMethodName = (methodName, isSubprocess, parameters = "") => methodName === "cancelSignal" ? "`cancelSignal`'s `controller.abort()`" : `${getNamespaceName(isSubprocess)}${methodName}(${parameters})`;
var getNamespaceName = (isSubprocess) => isSubprocess ? "" : "subprocess.";
var getOtherProcessName = (isSubprocess) => isSubprocess ? "parent process" : "subprocess";
var disconnect = (anyProcess) => {
  if (anyProcess.connected) {
    anyProcess.disconnect();
  }
};

// node_modules/execa/lib/utils/deferred.js
var createDeferred = () => {
  const methods = {};
  const promise = new Promise((resolve8, reject) => {
    Object.assign(methods, { resolve: resolve8, reject });
  });
  return Object.assign(promise, methods);
};

// node_modules/execa/lib/arguments/fd-options.js
var getToStream = (destination, to = "stdin") => {
  const isWritable = true;
  const { options, fileDescriptors } = SUBPROCESS_OPTIONS.get(destination);
  const fdNumber = getFdNumber(fileDescriptors, to, isWritable);
  const destinationStream = destination.stdio[fdNumber];
  if (destinationStream === null) {
    throw new TypeError(getInvalidStdioOptionMessage(fdNumber, to, options, isWritable));
  }
  return destinationStream;
};
var getFromStream = (source, from = "stdout") => {
  const isWritable = false;
  const { options, fileDescriptors } = SUBPROCESS_OPTIONS.get(source);
  const fdNumber = getFdNumber(fileDescriptors, from, isWritable);
  const sourceStream = fdNumber === "all" ? source.all : source.stdio[fdNumber];
  if (sourceStream === null || sourceStream === void 0) {
    throw new TypeError(getInvalidStdioOptionMessage(fdNumber, from, options, isWritable));
  }
  return sourceStream;
};
var SUBPROCESS_OPTIONS = /* @__PURE__ */ new WeakMap();
var getFdNumber = (fileDescriptors, fdName, isWritable) => {
  const fdNumber = parseFdNumber(fdName, isWritable);
  validateFdNumber(fdNumber, fdName, isWritable, fileDescriptors);
  return fdNumber;
};
var parseFdNumber = (fdName, isWritable) => {
  const fdNumber = parseFd(fdName);
  if (fdNumber !== void 0) {
    return fdNumber;
  }
  const { validOptions, defaultValue } = isWritable ? { validOptions: '"stdin"', defaultValue: "stdin" } : { validOptions: '"stdout", "stderr", "all"', defaultValue: "stdout" };
  throw new TypeError(`"${getOptionName(isWritable)}" must not be "${fdName}".
It must be ${validOptions} or "fd3", "fd4" (and so on).
It is optional and defaults to "${defaultValue}".`);
};
var validateFdNumber = (fdNumber, fdName, isWritable, fileDescriptors) => {
  const fileDescriptor = fileDescriptors[getUsedDescriptor(fdNumber)];
  if (fileDescriptor === void 0) {
    throw new TypeError(`"${getOptionName(isWritable)}" must not be ${fdName}. That file descriptor does not exist.
Please set the "stdio" option to ensure that file descriptor exists.`);
  }
  if (fileDescriptor.direction === "input" && !isWritable) {
    throw new TypeError(`"${getOptionName(isWritable)}" must not be ${fdName}. It must be a readable stream, not writable.`);
  }
  if (fileDescriptor.direction !== "input" && isWritable) {
    throw new TypeError(`"${getOptionName(isWritable)}" must not be ${fdName}. It must be a writable stream, not readable.`);
  }
};
var getInvalidStdioOptionMessage = (fdNumber, fdName, options, isWritable) => {
  if (fdNumber === "all" && !options.all) {
    return `The "all" option must be true to use "from: 'all'".`;
  }
  const { optionName, optionValue } = getInvalidStdioOption(fdNumber, options);
  return `The "${optionName}: ${serializeOptionValue(optionValue)}" option is incompatible with using "${getOptionName(isWritable)}: ${serializeOptionValue(fdName)}".
Please set this option with "pipe" instead.`;
};
var getInvalidStdioOption = (fdNumber, { stdin, stdout, stderr, stdio }) => {
  const usedDescriptor = getUsedDescriptor(fdNumber);
  if (usedDescriptor === 0 && stdin !== void 0) {
    return { optionName: "stdin", optionValue: stdin };
  }
  if (usedDescriptor === 1 && stdout !== void 0) {
    return { optionName: "stdout", optionValue: stdout };
  }
  if (usedDescriptor === 2 && stderr !== void 0) {
    return { optionName: "stderr", optionValue: stderr };
  }
  return { optionName: `stdio[${usedDescriptor}]`, optionValue: stdio[usedDescriptor] };
};
var getUsedDescriptor = (fdNumber) => fdNumber === "all" ? 1 : fdNumber;
var getOptionName = (isWritable) => isWritable ? "to" : "from";
var serializeOptionValue = (value) => {
  if (typeof value === "string") {
    return `'${value}'`;
  }
  return typeof value === "number" ? `${value}` : "Stream";
};

// node_modules/execa/lib/ipc/strict.js
import { once as once3 } from "node:events";

// node_modules/execa/lib/utils/max-listeners.js
import { addAbortListener } from "node:events";
var incrementMaxListeners = (eventEmitter, maxListenersIncrement, signal) => {
  const maxListeners = eventEmitter.getMaxListeners();
  if (maxListeners === 0 || maxListeners === Number.POSITIVE_INFINITY) {
    return;
  }
  eventEmitter.setMaxListeners(maxListeners + maxListenersIncrement);
  addAbortListener(signal, () => {
    eventEmitter.setMaxListeners(eventEmitter.getMaxListeners() - maxListenersIncrement);
  });
};

// node_modules/execa/lib/ipc/forward.js
import { EventEmitter } from "node:events";

// node_modules/execa/lib/ipc/incoming.js
import { once as once2 } from "node:events";
import { scheduler } from "node:timers/promises";

// node_modules/execa/lib/ipc/reference.js
var addReference = (channel, reference) => {
  if (reference) {
    addReferenceCount(channel);
  }
};
var addReferenceCount = (channel) => {
  channel.refCounted();
};
var removeReference = (channel, reference) => {
  if (reference) {
    removeReferenceCount(channel);
  }
};
var removeReferenceCount = (channel) => {
  channel.unrefCounted();
};
var undoAddedReferences = (channel, isSubprocess) => {
  if (isSubprocess) {
    removeReferenceCount(channel);
    removeReferenceCount(channel);
  }
};
var redoAddedReferences = (channel, isSubprocess) => {
  if (isSubprocess) {
    addReferenceCount(channel);
    addReferenceCount(channel);
  }
};

// node_modules/execa/lib/ipc/incoming.js
var onMessage = async ({ anyProcess, channel, isSubprocess, ipcEmitter }, wrappedMessage) => {
  if (handleStrictResponse(wrappedMessage) || handleAbort(wrappedMessage)) {
    return;
  }
  if (!INCOMING_MESSAGES.has(anyProcess)) {
    INCOMING_MESSAGES.set(anyProcess, []);
  }
  const incomingMessages = INCOMING_MESSAGES.get(anyProcess);
  incomingMessages.push(wrappedMessage);
  if (incomingMessages.length > 1) {
    return;
  }
  while (incomingMessages.length > 0) {
    await waitForOutgoingMessages(anyProcess, ipcEmitter, wrappedMessage);
    await scheduler.yield();
    const message = await handleStrictRequest({
      wrappedMessage: incomingMessages[0],
      anyProcess,
      channel,
      isSubprocess,
      ipcEmitter
    });
    incomingMessages.shift();
    ipcEmitter.emit("message", message);
    ipcEmitter.emit("message:done");
  }
};
var onDisconnect = async ({ anyProcess, channel, isSubprocess, ipcEmitter, boundOnMessage }) => {
  abortOnDisconnect();
  const incomingMessages = INCOMING_MESSAGES.get(anyProcess);
  while (incomingMessages?.length > 0) {
    await once2(ipcEmitter, "message:done");
  }
  anyProcess.removeListener("message", boundOnMessage);
  redoAddedReferences(channel, isSubprocess);
  ipcEmitter.connected = false;
  ipcEmitter.emit("disconnect");
};
var INCOMING_MESSAGES = /* @__PURE__ */ new WeakMap();

// node_modules/execa/lib/ipc/forward.js
var getIpcEmitter = (anyProcess, channel, isSubprocess) => {
  if (IPC_EMITTERS.has(anyProcess)) {
    return IPC_EMITTERS.get(anyProcess);
  }
  const ipcEmitter = new EventEmitter();
  ipcEmitter.connected = true;
  IPC_EMITTERS.set(anyProcess, ipcEmitter);
  forwardEvents({
    ipcEmitter,
    anyProcess,
    channel,
    isSubprocess
  });
  return ipcEmitter;
};
var IPC_EMITTERS = /* @__PURE__ */ new WeakMap();
var forwardEvents = ({ ipcEmitter, anyProcess, channel, isSubprocess }) => {
  const boundOnMessage = onMessage.bind(void 0, {
    anyProcess,
    channel,
    isSubprocess,
    ipcEmitter
  });
  anyProcess.on("message", boundOnMessage);
  anyProcess.once("disconnect", onDisconnect.bind(void 0, {
    anyProcess,
    channel,
    isSubprocess,
    ipcEmitter,
    boundOnMessage
  }));
  undoAddedReferences(channel, isSubprocess);
};
var isConnected = (anyProcess) => {
  const ipcEmitter = IPC_EMITTERS.get(anyProcess);
  return ipcEmitter === void 0 ? anyProcess.channel !== null : ipcEmitter.connected;
};

// node_modules/execa/lib/ipc/strict.js
var handleSendStrict = ({ anyProcess, channel, isSubprocess, message, strict }) => {
  if (!strict) {
    return message;
  }
  const ipcEmitter = getIpcEmitter(anyProcess, channel, isSubprocess);
  const hasListeners = hasMessageListeners(anyProcess, ipcEmitter);
  return {
    id: count++,
    type: REQUEST_TYPE,
    message,
    hasListeners
  };
};
var count = 0n;
var validateStrictDeadlock = (outgoingMessages, wrappedMessage) => {
  if (wrappedMessage?.type !== REQUEST_TYPE || wrappedMessage.hasListeners) {
    return;
  }
  for (const { id } of outgoingMessages) {
    if (id !== void 0) {
      STRICT_RESPONSES[id].resolve({ isDeadlock: true, hasListeners: false });
    }
  }
};
var handleStrictRequest = async ({ wrappedMessage, anyProcess, channel, isSubprocess, ipcEmitter }) => {
  if (wrappedMessage?.type !== REQUEST_TYPE || !anyProcess.connected) {
    return wrappedMessage;
  }
  const { id, message } = wrappedMessage;
  const response = { id, type: RESPONSE_TYPE, message: hasMessageListeners(anyProcess, ipcEmitter) };
  try {
    await sendMessage({
      anyProcess,
      channel,
      isSubprocess,
      ipc: true
    }, response);
  } catch (error) {
    ipcEmitter.emit("strict:error", error);
  }
  return message;
};
var handleStrictResponse = (wrappedMessage) => {
  if (wrappedMessage?.type !== RESPONSE_TYPE) {
    return false;
  }
  const { id, message: hasListeners } = wrappedMessage;
  STRICT_RESPONSES[id]?.resolve({ isDeadlock: false, hasListeners });
  return true;
};
var waitForStrictResponse = async (wrappedMessage, anyProcess, isSubprocess) => {
  if (wrappedMessage?.type !== REQUEST_TYPE) {
    return;
  }
  const deferred = createDeferred();
  STRICT_RESPONSES[wrappedMessage.id] = deferred;
  const controller = new AbortController();
  try {
    const { isDeadlock, hasListeners } = await Promise.race([
      deferred,
      throwOnDisconnect(anyProcess, isSubprocess, controller)
    ]);
    if (isDeadlock) {
      throwOnStrictDeadlockError(isSubprocess);
    }
    if (!hasListeners) {
      throwOnMissingStrict(isSubprocess);
    }
  } finally {
    controller.abort();
    delete STRICT_RESPONSES[wrappedMessage.id];
  }
};
var STRICT_RESPONSES = {};
var throwOnDisconnect = async (anyProcess, isSubprocess, { signal }) => {
  incrementMaxListeners(anyProcess, 1, signal);
  await once3(anyProcess, "disconnect", { signal });
  throwOnStrictDisconnect(isSubprocess);
};
var REQUEST_TYPE = "execa:ipc:request";
var RESPONSE_TYPE = "execa:ipc:response";

// node_modules/execa/lib/ipc/outgoing.js
var startSendMessage = (anyProcess, wrappedMessage, strict) => {
  if (!OUTGOING_MESSAGES.has(anyProcess)) {
    OUTGOING_MESSAGES.set(anyProcess, /* @__PURE__ */ new Set());
  }
  const outgoingMessages = OUTGOING_MESSAGES.get(anyProcess);
  const onMessageSent = createDeferred();
  const id = strict ? wrappedMessage.id : void 0;
  const outgoingMessage = { onMessageSent, id };
  outgoingMessages.add(outgoingMessage);
  return { outgoingMessages, outgoingMessage };
};
var endSendMessage = ({ outgoingMessages, outgoingMessage }) => {
  outgoingMessages.delete(outgoingMessage);
  outgoingMessage.onMessageSent.resolve();
};
var waitForOutgoingMessages = async (anyProcess, ipcEmitter, wrappedMessage) => {
  while (!hasMessageListeners(anyProcess, ipcEmitter) && OUTGOING_MESSAGES.get(anyProcess)?.size > 0) {
    const outgoingMessages = [...OUTGOING_MESSAGES.get(anyProcess)];
    validateStrictDeadlock(outgoingMessages, wrappedMessage);
    await Promise.all(outgoingMessages.map(({ onMessageSent }) => onMessageSent));
  }
};
var OUTGOING_MESSAGES = /* @__PURE__ */ new WeakMap();
var hasMessageListeners = (anyProcess, ipcEmitter) => ipcEmitter.listenerCount("message") > getMinListenerCount(anyProcess);
var getMinListenerCount = (anyProcess) => SUBPROCESS_OPTIONS.has(anyProcess) && !getFdSpecificValue(SUBPROCESS_OPTIONS.get(anyProcess).options.buffer, "ipc") ? 1 : 0;

// node_modules/execa/lib/ipc/send.js
var sendMessage = ({ anyProcess, channel, isSubprocess, ipc }, message, { strict = false } = {}) => {
  const methodName = "sendMessage";
  validateIpcMethod({
    methodName,
    isSubprocess,
    ipc,
    isConnected: anyProcess.connected
  });
  return sendMessageAsync({
    anyProcess,
    channel,
    methodName,
    isSubprocess,
    message,
    strict
  });
};
var sendMessageAsync = async ({ anyProcess, channel, methodName, isSubprocess, message, strict }) => {
  const wrappedMessage = handleSendStrict({
    anyProcess,
    channel,
    isSubprocess,
    message,
    strict
  });
  const outgoingMessagesState = startSendMessage(anyProcess, wrappedMessage, strict);
  try {
    await sendOneMessage({
      anyProcess,
      methodName,
      isSubprocess,
      wrappedMessage,
      message
    });
  } catch (error) {
    disconnect(anyProcess);
    throw error;
  } finally {
    endSendMessage(outgoingMessagesState);
  }
};
var sendOneMessage = async ({ anyProcess, methodName, isSubprocess, wrappedMessage, message }) => {
  const sendMethod = getSendMethod(anyProcess);
  try {
    await Promise.all([
      waitForStrictResponse(wrappedMessage, anyProcess, isSubprocess),
      sendMethod(wrappedMessage)
    ]);
  } catch (error) {
    handleEpipeError({ error, methodName, isSubprocess });
    handleSerializationError({
      error,
      methodName,
      isSubprocess,
      message
    });
    throw error;
  }
};
var getSendMethod = (anyProcess) => {
  if (PROCESS_SEND_METHODS.has(anyProcess)) {
    return PROCESS_SEND_METHODS.get(anyProcess);
  }
  const sendMethod = promisify2(anyProcess.send.bind(anyProcess));
  PROCESS_SEND_METHODS.set(anyProcess, sendMethod);
  return sendMethod;
};
var PROCESS_SEND_METHODS = /* @__PURE__ */ new WeakMap();

// node_modules/execa/lib/ipc/graceful.js
var sendAbort = (subprocess, message) => {
  const methodName = "cancelSignal";
  validateConnection(methodName, false, subprocess.connected);
  return sendOneMessage({
    anyProcess: subprocess,
    methodName,
    isSubprocess: false,
    wrappedMessage: { type: GRACEFUL_CANCEL_TYPE, message },
    message
  });
};
var getCancelSignal = async ({ anyProcess, channel, isSubprocess, ipc }) => {
  await startIpc({
    anyProcess,
    channel,
    isSubprocess,
    ipc
  });
  return cancelController.signal;
};
var startIpc = async ({ anyProcess, channel, isSubprocess, ipc }) => {
  if (cancelListening) {
    return;
  }
  cancelListening = true;
  if (!ipc) {
    throwOnMissingParent();
    return;
  }
  if (channel === null) {
    abortOnDisconnect();
    return;
  }
  getIpcEmitter(anyProcess, channel, isSubprocess);
  await scheduler2.yield();
};
var cancelListening = false;
var handleAbort = (wrappedMessage) => {
  if (wrappedMessage?.type !== GRACEFUL_CANCEL_TYPE) {
    return false;
  }
  cancelController.abort(wrappedMessage.message);
  return true;
};
var GRACEFUL_CANCEL_TYPE = "execa:ipc:cancel";
var abortOnDisconnect = () => {
  cancelController.abort(getAbortDisconnectError());
};
var cancelController = new AbortController();

// node_modules/execa/lib/terminate/graceful.js
var validateGracefulCancel = ({ gracefulCancel, cancelSignal, ipc, serialization }) => {
  if (!gracefulCancel) {
    return;
  }
  if (cancelSignal === void 0) {
    throw new Error("The `cancelSignal` option must be defined when setting the `gracefulCancel` option.");
  }
  if (!ipc) {
    throw new Error("The `ipc` option cannot be false when setting the `gracefulCancel` option.");
  }
  if (serialization === "json") {
    throw new Error("The `serialization` option cannot be 'json' when setting the `gracefulCancel` option.");
  }
};
var throwOnGracefulCancel = ({
  subprocess,
  cancelSignal,
  gracefulCancel,
  forceKillAfterDelay,
  context,
  controller
}) => gracefulCancel ? [sendOnAbort({
  subprocess,
  cancelSignal,
  forceKillAfterDelay,
  context,
  controller
})] : [];
var sendOnAbort = async ({ subprocess, cancelSignal, forceKillAfterDelay, context, controller: { signal } }) => {
  await onAbortedSignal(cancelSignal, signal);
  const reason = getReason(cancelSignal);
  await sendAbort(subprocess, reason);
  killOnTimeout({
    kill: subprocess.kill,
    forceKillAfterDelay,
    context,
    controllerSignal: signal
  });
  context.terminationReason ??= "gracefulCancel";
  throw cancelSignal.reason;
};
var getReason = ({ reason }) => {
  if (!(reason instanceof DOMException)) {
    return reason;
  }
  const error = new Error(reason.message);
  Object.defineProperty(error, "stack", {
    value: reason.stack,
    enumerable: false,
    configurable: true,
    writable: true
  });
  return error;
};

// node_modules/execa/lib/terminate/timeout.js
import { setTimeout as setTimeout3 } from "node:timers/promises";
var validateTimeout = ({ timeout }) => {
  if (timeout !== void 0 && (!Number.isFinite(timeout) || timeout < 0)) {
    throw new TypeError(`Expected the \`timeout\` option to be a non-negative integer, got \`${timeout}\` (${typeof timeout})`);
  }
};
var throwOnTimeout = (subprocess, timeout, context, controller) => timeout === 0 || timeout === void 0 ? [] : [killAfterTimeout(subprocess, timeout, context, controller)];
var killAfterTimeout = async (subprocess, timeout, context, { signal }) => {
  await setTimeout3(timeout, void 0, { signal });
  context.terminationReason ??= "timeout";
  subprocess.kill();
  throw new DiscardedError();
};

// node_modules/execa/lib/methods/node.js
import { execPath, execArgv } from "node:process";
import path3 from "node:path";
var mapNode = ({ options }) => {
  if (options.node === false) {
    throw new TypeError('The "node" option cannot be false with `execaNode()`.');
  }
  return { options: { ...options, node: true } };
};
var handleNodeOption = (file, commandArguments, {
  node: shouldHandleNode = false,
  nodePath = execPath,
  nodeOptions = execArgv.filter((nodeOption) => !nodeOption.startsWith("--inspect")),
  cwd,
  execPath: formerNodePath,
  ...options
}) => {
  if (formerNodePath !== void 0) {
    throw new TypeError('The "execPath" option has been removed. Please use the "nodePath" option instead.');
  }
  const normalizedNodePath = safeNormalizeFileUrl(nodePath, 'The "nodePath" option');
  const resolvedNodePath = path3.resolve(cwd, normalizedNodePath);
  const newOptions = {
    ...options,
    nodePath: resolvedNodePath,
    node: shouldHandleNode,
    cwd
  };
  if (!shouldHandleNode) {
    return [file, commandArguments, newOptions];
  }
  if (path3.basename(file, ".exe") === "node") {
    throw new TypeError('When the "node" option is true, the first argument does not need to be "node".');
  }
  return [
    resolvedNodePath,
    [...nodeOptions, file, ...commandArguments],
    { ipc: true, ...newOptions, shell: false }
  ];
};

// node_modules/execa/lib/ipc/ipc-input.js
import { serialize } from "node:v8";
var validateIpcInputOption = ({ ipcInput, ipc, serialization }) => {
  if (ipcInput === void 0) {
    return;
  }
  if (!ipc) {
    throw new Error("The `ipcInput` option cannot be set unless the `ipc` option is `true`.");
  }
  validateIpcInput[serialization](ipcInput);
};
var validateAdvancedInput = (ipcInput) => {
  try {
    serialize(ipcInput);
  } catch (error) {
    throw new Error("The `ipcInput` option is not serializable with a structured clone.", { cause: error });
  }
};
var validateJsonInput = (ipcInput) => {
  try {
    JSON.stringify(ipcInput);
  } catch (error) {
    throw new Error("The `ipcInput` option is not serializable with JSON.", { cause: error });
  }
};
var validateIpcInput = {
  advanced: validateAdvancedInput,
  json: validateJsonInput
};
var sendIpcInput = async (subprocess, ipcInput) => {
  if (ipcInput === void 0) {
    return;
  }
  await subprocess.sendMessage(ipcInput);
};

// node_modules/execa/lib/arguments/encoding-option.js
var validateEncoding = ({ encoding }) => {
  if (ENCODINGS.has(encoding)) {
    return;
  }
  const correctEncoding = getCorrectEncoding(encoding);
  if (correctEncoding !== void 0) {
    throw new TypeError(`Invalid option \`encoding: ${serializeEncoding(encoding)}\`.
Please rename it to ${serializeEncoding(correctEncoding)}.`);
  }
  const correctEncodings = [...ENCODINGS].map((correctEncoding2) => serializeEncoding(correctEncoding2)).join(", ");
  throw new TypeError(`Invalid option \`encoding: ${serializeEncoding(encoding)}\`.
Please rename it to one of: ${correctEncodings}.`);
};
var TEXT_ENCODINGS = /* @__PURE__ */ new Set(["utf8", "utf16le"]);
var BINARY_ENCODINGS = /* @__PURE__ */ new Set(["buffer", "hex", "base64", "base64url", "latin1", "ascii"]);
var ENCODINGS = /* @__PURE__ */ new Set([...TEXT_ENCODINGS, ...BINARY_ENCODINGS]);
var getCorrectEncoding = (encoding) => {
  if (encoding === null) {
    return "buffer";
  }
  if (typeof encoding !== "string") {
    return;
  }
  const lowerEncoding = encoding.toLowerCase();
  if (lowerEncoding in ENCODING_ALIASES) {
    return ENCODING_ALIASES[lowerEncoding];
  }
  if (ENCODINGS.has(lowerEncoding)) {
    return lowerEncoding;
  }
};
var ENCODING_ALIASES = {
  // eslint-disable-next-line unicorn/text-encoding-identifier-case
  "utf-8": "utf8",
  "utf-16le": "utf16le",
  "ucs-2": "utf16le",
  ucs2: "utf16le",
  binary: "latin1"
};
var serializeEncoding = (encoding) => typeof encoding === "string" ? `"${encoding}"` : String(encoding);

// node_modules/execa/lib/arguments/cwd.js
import { statSync } from "node:fs";
import path4 from "node:path";
import process5 from "node:process";
var normalizeCwd = (cwd = getDefaultCwd()) => {
  const cwdString = safeNormalizeFileUrl(cwd, 'The "cwd" option');
  return path4.resolve(cwdString);
};
var getDefaultCwd = () => {
  try {
    return process5.cwd();
  } catch (error) {
    error.message = `The current directory does not exist.
${error.message}`;
    throw error;
  }
};
var fixCwdError = (originalMessage, cwd) => {
  if (cwd === getDefaultCwd()) {
    return originalMessage;
  }
  let cwdStat;
  try {
    cwdStat = statSync(cwd);
  } catch (error) {
    return `The "cwd" option is invalid: ${cwd}.
${error.message}
${originalMessage}`;
  }
  if (!cwdStat.isDirectory()) {
    return `The "cwd" option is not a directory: ${cwd}.
${originalMessage}`;
  }
  return originalMessage;
};

// node_modules/execa/lib/arguments/options.js
var normalizeOptions = (filePath, rawArguments, rawOptions) => {
  rawOptions.cwd = normalizeCwd(rawOptions.cwd);
  const [processedFile, processedArguments, processedOptions] = handleNodeOption(filePath, rawArguments, rawOptions);
  const { command: file, args: commandArguments, options: initialOptions } = import_cross_spawn.default._parse(processedFile, processedArguments, processedOptions);
  const fdOptions = normalizeFdSpecificOptions(initialOptions);
  const options = addDefaultOptions(fdOptions);
  validateTimeout(options);
  validateEncoding(options);
  validateIpcInputOption(options);
  validateCancelSignal(options);
  validateGracefulCancel(options);
  options.shell = normalizeFileUrl(options.shell);
  options.env = getEnv(options);
  options.killSignal = normalizeKillSignal(options.killSignal);
  options.forceKillAfterDelay = normalizeForceKillAfterDelay(options.forceKillAfterDelay);
  options.lines = options.lines.map((lines2, fdNumber) => lines2 && !BINARY_ENCODINGS.has(options.encoding) && options.buffer[fdNumber]);
  if (process6.platform === "win32" && path5.basename(file, ".exe") === "cmd") {
    commandArguments.unshift("/q");
  }
  return { file, commandArguments, options };
};
var addDefaultOptions = ({
  extendEnv = true,
  preferLocal = false,
  cwd,
  localDir: localDirectory = cwd,
  encoding = "utf8",
  reject = true,
  cleanup = true,
  all = false,
  windowsHide = true,
  killSignal = "SIGTERM",
  forceKillAfterDelay = true,
  gracefulCancel = false,
  ipcInput,
  ipc = ipcInput !== void 0 || gracefulCancel,
  serialization = "advanced",
  ...options
}) => ({
  ...options,
  extendEnv,
  preferLocal,
  cwd,
  localDirectory,
  encoding,
  reject,
  cleanup,
  all,
  windowsHide,
  killSignal,
  forceKillAfterDelay,
  gracefulCancel,
  ipcInput,
  ipc,
  serialization
});
var getEnv = ({ env: envOption, extendEnv, preferLocal, node, localDirectory, nodePath }) => {
  const env = extendEnv ? { ...process6.env, ...envOption } : envOption;
  if (preferLocal || node) {
    return npmRunPathEnv({
      env,
      cwd: localDirectory,
      execPath: nodePath,
      preferLocal,
      addExecPath: node
    });
  }
  return env;
};

// node_modules/execa/lib/arguments/shell.js
var concatenateShell = (file, commandArguments, options) => options.shell && commandArguments.length > 0 ? [[file, ...commandArguments].join(" "), [], options] : [file, commandArguments, options];

// node_modules/execa/lib/return/message.js
import { inspect as inspect2 } from "node:util";

// node_modules/strip-final-newline/index.js
function stripFinalNewline(input) {
  if (typeof input === "string") {
    return stripFinalNewlineString(input);
  }
  if (!(ArrayBuffer.isView(input) && input.BYTES_PER_ELEMENT === 1)) {
    throw new Error("Input must be a string or a Uint8Array");
  }
  return stripFinalNewlineBinary(input);
}
var stripFinalNewlineString = (input) => input.at(-1) === LF2 ? input.slice(0, input.at(-2) === CR ? -2 : -1) : input;
var stripFinalNewlineBinary = (input) => input.at(-1) === LF_BINARY ? input.subarray(0, input.at(-2) === CR_BINARY ? -2 : -1) : input;
var LF2 = "\n";
var LF_BINARY = LF2.codePointAt(0);
var CR = "\r";
var CR_BINARY = CR.codePointAt(0);

// node_modules/get-stream/source/index.js
import { on } from "node:events";
import { finished } from "node:stream/promises";

// node_modules/get-stream/node_modules/is-stream/index.js
function isStream(stream, { checkOpen = true } = {}) {
  return stream !== null && typeof stream === "object" && (stream.writable || stream.readable || !checkOpen || stream.writable === void 0 && stream.readable === void 0) && typeof stream.pipe === "function";
}
function isReadableStream(stream, { checkOpen = true } = {}) {
  return isStream(stream, { checkOpen }) && (stream.readable || !checkOpen) && typeof stream.read === "function" && typeof stream.readable === "boolean" && typeof stream.readableObjectMode === "boolean" && typeof stream.destroy === "function" && typeof stream.destroyed === "boolean";
}

// node_modules/@sec-ant/readable-stream/dist/ponyfill/asyncIterator.js
var a = Object.getPrototypeOf(
  Object.getPrototypeOf(
    /* istanbul ignore next */
    async function* () {
    }
  ).prototype
);
var c = class {
  #t;
  #n;
  #r = false;
  #e = void 0;
  constructor(e, t) {
    this.#t = e, this.#n = t;
  }
  next() {
    const e = () => this.#s();
    return this.#e = this.#e ? this.#e.then(e, e) : e(), this.#e;
  }
  return(e) {
    const t = () => this.#i(e);
    return this.#e ? this.#e.then(t, t) : t();
  }
  async #s() {
    if (this.#r)
      return {
        done: true,
        value: void 0
      };
    let e;
    try {
      e = await this.#t.read();
    } catch (t) {
      throw this.#e = void 0, this.#r = true, this.#t.releaseLock(), t;
    }
    return e.done && (this.#e = void 0, this.#r = true, this.#t.releaseLock()), e;
  }
  async #i(e) {
    if (this.#r)
      return {
        done: true,
        value: e
      };
    if (this.#r = true, !this.#n) {
      const t = this.#t.cancel(e);
      return this.#t.releaseLock(), await t, {
        done: true,
        value: e
      };
    }
    return this.#t.releaseLock(), {
      done: true,
      value: e
    };
  }
};
var n = /* @__PURE__ */ Symbol();
function i() {
  return this[n].next();
}
Object.defineProperty(i, "name", { value: "next" });
function o(r) {
  return this[n].return(r);
}
Object.defineProperty(o, "name", { value: "return" });
var u = Object.create(a, {
  next: {
    enumerable: true,
    configurable: true,
    writable: true,
    value: i
  },
  return: {
    enumerable: true,
    configurable: true,
    writable: true,
    value: o
  }
});
function h({ preventCancel: r = false } = {}) {
  const e = this.getReader(), t = new c(
    e,
    r
  ), s = Object.create(u);
  return s[n] = t, s;
}

// node_modules/get-stream/source/stream.js
var getAsyncIterable = (stream) => {
  if (isReadableStream(stream, { checkOpen: false }) && nodeImports.on !== void 0) {
    return getStreamIterable(stream);
  }
  if (typeof stream?.[Symbol.asyncIterator] === "function") {
    return stream;
  }
  if (toString.call(stream) === "[object ReadableStream]") {
    return h.call(stream);
  }
  throw new TypeError("The first argument must be a Readable, a ReadableStream, or an async iterable.");
};
var { toString } = Object.prototype;
var getStreamIterable = async function* (stream) {
  const controller = new AbortController();
  const state = {};
  handleStreamEnd(stream, controller, state);
  try {
    for await (const [chunk] of nodeImports.on(stream, "data", { signal: controller.signal })) {
      yield chunk;
    }
  } catch (error) {
    if (state.error !== void 0) {
      throw state.error;
    } else if (!controller.signal.aborted) {
      throw error;
    }
  } finally {
    stream.destroy();
  }
};
var handleStreamEnd = async (stream, controller, state) => {
  try {
    await nodeImports.finished(stream, {
      cleanup: true,
      readable: true,
      writable: false,
      error: false
    });
  } catch (error) {
    state.error = error;
  } finally {
    controller.abort();
  }
};
var nodeImports = {};

// node_modules/get-stream/source/contents.js
var getStreamContents = async (stream, { init, convertChunk, getSize, truncateChunk, addChunk, getFinalChunk, finalize }, { maxBuffer = Number.POSITIVE_INFINITY } = {}) => {
  const asyncIterable = getAsyncIterable(stream);
  const state = init();
  state.length = 0;
  try {
    for await (const chunk of asyncIterable) {
      const chunkType = getChunkType(chunk);
      const convertedChunk = convertChunk[chunkType](chunk, state);
      appendChunk({
        convertedChunk,
        state,
        getSize,
        truncateChunk,
        addChunk,
        maxBuffer
      });
    }
    appendFinalChunk({
      state,
      convertChunk,
      getSize,
      truncateChunk,
      addChunk,
      getFinalChunk,
      maxBuffer
    });
    return finalize(state);
  } catch (error) {
    const normalizedError = typeof error === "object" && error !== null ? error : new Error(error);
    normalizedError.bufferedData = finalize(state);
    throw normalizedError;
  }
};
var appendFinalChunk = ({ state, getSize, truncateChunk, addChunk, getFinalChunk, maxBuffer }) => {
  const convertedChunk = getFinalChunk(state);
  if (convertedChunk !== void 0) {
    appendChunk({
      convertedChunk,
      state,
      getSize,
      truncateChunk,
      addChunk,
      maxBuffer
    });
  }
};
var appendChunk = ({ convertedChunk, state, getSize, truncateChunk, addChunk, maxBuffer }) => {
  const chunkSize = getSize(convertedChunk);
  const newLength = state.length + chunkSize;
  if (newLength <= maxBuffer) {
    addNewChunk(convertedChunk, state, addChunk, newLength);
    return;
  }
  const truncatedChunk = truncateChunk(convertedChunk, maxBuffer - state.length);
  if (truncatedChunk !== void 0) {
    addNewChunk(truncatedChunk, state, addChunk, maxBuffer);
  }
  throw new MaxBufferError();
};
var addNewChunk = (convertedChunk, state, addChunk, newLength) => {
  state.contents = addChunk(convertedChunk, state, newLength);
  state.length = newLength;
};
var getChunkType = (chunk) => {
  const typeOfChunk = typeof chunk;
  if (typeOfChunk === "string") {
    return "string";
  }
  if (typeOfChunk !== "object" || chunk === null) {
    return "others";
  }
  if (globalThis.Buffer?.isBuffer(chunk)) {
    return "buffer";
  }
  const prototypeName = objectToString2.call(chunk);
  if (prototypeName === "[object ArrayBuffer]") {
    return "arrayBuffer";
  }
  if (prototypeName === "[object DataView]") {
    return "dataView";
  }
  if (Number.isInteger(chunk.byteLength) && Number.isInteger(chunk.byteOffset) && objectToString2.call(chunk.buffer) === "[object ArrayBuffer]") {
    return "typedArray";
  }
  return "others";
};
var { toString: objectToString2 } = Object.prototype;
var MaxBufferError = class extends Error {
  name = "MaxBufferError";
  constructor() {
    super("maxBuffer exceeded");
  }
};

// node_modules/get-stream/source/utils.js
var identity2 = (value) => value;
var noop = () => void 0;
var getContentsProperty = ({ contents }) => contents;
var throwObjectStream = (chunk) => {
  throw new Error(`Streams in object mode are not supported: ${String(chunk)}`);
};
var getLengthProperty = (convertedChunk) => convertedChunk.length;

// node_modules/get-stream/source/array.js
async function getStreamAsArray(stream, options) {
  return getStreamContents(stream, arrayMethods, options);
}
var initArray = () => ({ contents: [] });
var increment = () => 1;
var addArrayChunk = (convertedChunk, { contents }) => {
  contents.push(convertedChunk);
  return contents;
};
var arrayMethods = {
  init: initArray,
  convertChunk: {
    string: identity2,
    buffer: identity2,
    arrayBuffer: identity2,
    dataView: identity2,
    typedArray: identity2,
    others: identity2
  },
  getSize: increment,
  truncateChunk: noop,
  addChunk: addArrayChunk,
  getFinalChunk: noop,
  finalize: getContentsProperty
};

// node_modules/get-stream/source/array-buffer.js
async function getStreamAsArrayBuffer(stream, options) {
  return getStreamContents(stream, arrayBufferMethods, options);
}
var initArrayBuffer = () => ({ contents: new ArrayBuffer(0) });
var useTextEncoder = (chunk) => textEncoder2.encode(chunk);
var textEncoder2 = new TextEncoder();
var useUint8Array = (chunk) => new Uint8Array(chunk);
var useUint8ArrayWithOffset = (chunk) => new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength);
var truncateArrayBufferChunk = (convertedChunk, chunkSize) => convertedChunk.slice(0, chunkSize);
var addArrayBufferChunk = (convertedChunk, { contents, length: previousLength }, length) => {
  const newContents = hasArrayBufferResize() ? resizeArrayBuffer(contents, length) : resizeArrayBufferSlow(contents, length);
  new Uint8Array(newContents).set(convertedChunk, previousLength);
  return newContents;
};
var resizeArrayBufferSlow = (contents, length) => {
  if (length <= contents.byteLength) {
    return contents;
  }
  const arrayBuffer = new ArrayBuffer(getNewContentsLength(length));
  new Uint8Array(arrayBuffer).set(new Uint8Array(contents), 0);
  return arrayBuffer;
};
var resizeArrayBuffer = (contents, length) => {
  if (length <= contents.maxByteLength) {
    contents.resize(length);
    return contents;
  }
  const arrayBuffer = new ArrayBuffer(length, { maxByteLength: getNewContentsLength(length) });
  new Uint8Array(arrayBuffer).set(new Uint8Array(contents), 0);
  return arrayBuffer;
};
var getNewContentsLength = (length) => SCALE_FACTOR ** Math.ceil(Math.log(length) / Math.log(SCALE_FACTOR));
var SCALE_FACTOR = 2;
var finalizeArrayBuffer = ({ contents, length }) => hasArrayBufferResize() ? contents : contents.slice(0, length);
var hasArrayBufferResize = () => "resize" in ArrayBuffer.prototype;
var arrayBufferMethods = {
  init: initArrayBuffer,
  convertChunk: {
    string: useTextEncoder,
    buffer: useUint8Array,
    arrayBuffer: useUint8Array,
    dataView: useUint8ArrayWithOffset,
    typedArray: useUint8ArrayWithOffset,
    others: throwObjectStream
  },
  getSize: getLengthProperty,
  truncateChunk: truncateArrayBufferChunk,
  addChunk: addArrayBufferChunk,
  getFinalChunk: noop,
  finalize: finalizeArrayBuffer
};

// node_modules/get-stream/source/string.js
async function getStreamAsString(stream, options) {
  return getStreamContents(stream, stringMethods, options);
}
var initString = () => ({ contents: "", textDecoder: new TextDecoder() });
var useTextDecoder = (chunk, { textDecoder: textDecoder2 }) => textDecoder2.decode(chunk, { stream: true });
var addStringChunk = (convertedChunk, { contents }) => contents + convertedChunk;
var truncateStringChunk = (convertedChunk, chunkSize) => convertedChunk.slice(0, chunkSize);
var getFinalStringChunk = ({ textDecoder: textDecoder2 }) => {
  const finalChunk = textDecoder2.decode();
  return finalChunk === "" ? void 0 : finalChunk;
};
var stringMethods = {
  init: initString,
  convertChunk: {
    string: identity2,
    buffer: useTextDecoder,
    arrayBuffer: useTextDecoder,
    dataView: useTextDecoder,
    typedArray: useTextDecoder,
    others: throwObjectStream
  },
  getSize: getLengthProperty,
  truncateChunk: truncateStringChunk,
  addChunk: addStringChunk,
  getFinalChunk: getFinalStringChunk,
  finalize: getContentsProperty
};

// node_modules/get-stream/source/index.js
Object.assign(nodeImports, { on, finished });

// node_modules/execa/lib/io/max-buffer.js
var handleMaxBuffer = ({ error, stream, readableObjectMode, lines: lines2, encoding, fdNumber }) => {
  if (!(error instanceof MaxBufferError)) {
    throw error;
  }
  if (fdNumber === "all") {
    return error;
  }
  const unit = getMaxBufferUnit(readableObjectMode, lines2, encoding);
  error.maxBufferInfo = { fdNumber, unit };
  stream.destroy();
  throw error;
};
var getMaxBufferUnit = (readableObjectMode, lines2, encoding) => {
  if (readableObjectMode) {
    return "objects";
  }
  if (lines2) {
    return "lines";
  }
  if (encoding === "buffer") {
    return "bytes";
  }
  return "characters";
};
var checkIpcMaxBuffer = (subprocess, ipcOutput, maxBuffer) => {
  if (ipcOutput.length !== maxBuffer) {
    return;
  }
  const error = new MaxBufferError();
  error.maxBufferInfo = { fdNumber: "ipc" };
  throw error;
};
var getMaxBufferMessage = (error, maxBuffer) => {
  const { streamName, threshold, unit } = getMaxBufferInfo(error, maxBuffer);
  return `Command's ${streamName} was larger than ${threshold} ${unit}`;
};
var getMaxBufferInfo = (error, maxBuffer) => {
  if (error?.maxBufferInfo === void 0) {
    return { streamName: "output", threshold: maxBuffer[1], unit: "bytes" };
  }
  const { maxBufferInfo: { fdNumber, unit } } = error;
  delete error.maxBufferInfo;
  const threshold = getFdSpecificValue(maxBuffer, fdNumber);
  if (fdNumber === "ipc") {
    return { streamName: "IPC output", threshold, unit: "messages" };
  }
  return { streamName: getStreamName(fdNumber), threshold, unit };
};
var isMaxBufferSync = (resultError, output, maxBuffer) => resultError?.code === "ENOBUFS" && output !== null && output.some((result) => result !== null && result.length > getMaxBufferSync(maxBuffer));
var truncateMaxBufferSync = (result, isMaxBuffer, maxBuffer) => {
  if (!isMaxBuffer) {
    return result;
  }
  const maxBufferValue = getMaxBufferSync(maxBuffer);
  return result.length > maxBufferValue ? result.slice(0, maxBufferValue) : result;
};
var getMaxBufferSync = ([, stdoutMaxBuffer]) => stdoutMaxBuffer;

// node_modules/execa/lib/return/message.js
var createMessages = ({
  stdio,
  all,
  ipcOutput,
  originalError,
  signal,
  signalDescription,
  exitCode,
  escapedCommand,
  timedOut,
  isCanceled,
  isGracefullyCanceled,
  isMaxBuffer,
  isForcefullyTerminated,
  forceKillAfterDelay,
  killSignal,
  maxBuffer,
  timeout,
  cwd
}) => {
  const errorCode = originalError?.code;
  const prefix = getErrorPrefix({
    originalError,
    timedOut,
    timeout,
    isMaxBuffer,
    maxBuffer,
    errorCode,
    signal,
    signalDescription,
    exitCode,
    isCanceled,
    isGracefullyCanceled,
    isForcefullyTerminated,
    forceKillAfterDelay,
    killSignal
  });
  const originalMessage = getOriginalMessage(originalError, cwd);
  const suffix = originalMessage === void 0 ? "" : `
${originalMessage}`;
  const shortMessage = `${prefix}: ${escapedCommand}${suffix}`;
  const messageStdio = all === void 0 ? [stdio[2], stdio[1]] : [all];
  const message = [
    shortMessage,
    ...messageStdio,
    ...stdio.slice(3),
    ipcOutput.map((ipcMessage) => serializeIpcMessage(ipcMessage)).join("\n")
  ].map((messagePart) => escapeLines(stripFinalNewline(serializeMessagePart(messagePart)))).filter(Boolean).join("\n\n");
  return { originalMessage, shortMessage, message };
};
var getErrorPrefix = ({
  originalError,
  timedOut,
  timeout,
  isMaxBuffer,
  maxBuffer,
  errorCode,
  signal,
  signalDescription,
  exitCode,
  isCanceled,
  isGracefullyCanceled,
  isForcefullyTerminated,
  forceKillAfterDelay,
  killSignal
}) => {
  const forcefulSuffix = getForcefulSuffix(isForcefullyTerminated, forceKillAfterDelay);
  if (timedOut) {
    return `Command timed out after ${timeout} milliseconds${forcefulSuffix}`;
  }
  if (isGracefullyCanceled) {
    if (signal === void 0) {
      return `Command was gracefully canceled with exit code ${exitCode}`;
    }
    return isForcefullyTerminated ? `Command was gracefully canceled${forcefulSuffix}` : `Command was gracefully canceled with ${signal} (${signalDescription})`;
  }
  if (isCanceled) {
    return `Command was canceled${forcefulSuffix}`;
  }
  if (isMaxBuffer) {
    return `${getMaxBufferMessage(originalError, maxBuffer)}${forcefulSuffix}`;
  }
  if (errorCode !== void 0) {
    return `Command failed with ${errorCode}${forcefulSuffix}`;
  }
  if (isForcefullyTerminated) {
    return `Command was killed with ${killSignal} (${getSignalDescription(killSignal)})${forcefulSuffix}`;
  }
  if (signal !== void 0) {
    return `Command was killed with ${signal} (${signalDescription})`;
  }
  if (exitCode !== void 0) {
    return `Command failed with exit code ${exitCode}`;
  }
  return "Command failed";
};
var getForcefulSuffix = (isForcefullyTerminated, forceKillAfterDelay) => isForcefullyTerminated ? ` and was forcefully terminated after ${forceKillAfterDelay} milliseconds` : "";
var getOriginalMessage = (originalError, cwd) => {
  if (originalError instanceof DiscardedError) {
    return;
  }
  const originalMessage = isExecaError(originalError) ? originalError.originalMessage : String(originalError?.message ?? originalError);
  const escapedOriginalMessage = escapeLines(fixCwdError(originalMessage, cwd));
  return escapedOriginalMessage === "" ? void 0 : escapedOriginalMessage;
};
var serializeIpcMessage = (ipcMessage) => typeof ipcMessage === "string" ? ipcMessage : inspect2(ipcMessage);
var serializeMessagePart = (messagePart) => Array.isArray(messagePart) ? messagePart.map((messageItem) => stripFinalNewline(serializeMessageItem(messageItem))).filter(Boolean).join("\n") : serializeMessageItem(messagePart);
var serializeMessageItem = (messageItem) => {
  if (typeof messageItem === "string") {
    return messageItem;
  }
  if (isUint8Array(messageItem)) {
    return uint8ArrayToString(messageItem);
  }
  return "";
};

// node_modules/execa/lib/return/result.js
var makeSuccessResult = ({
  command,
  escapedCommand,
  stdio,
  all,
  ipcOutput,
  options: { cwd },
  startTime
}) => omitUndefinedProperties({
  command,
  escapedCommand,
  cwd,
  durationMs: getDurationMs(startTime),
  failed: false,
  timedOut: false,
  isCanceled: false,
  isGracefullyCanceled: false,
  isTerminated: false,
  isMaxBuffer: false,
  isForcefullyTerminated: false,
  exitCode: 0,
  stdout: stdio[1],
  stderr: stdio[2],
  all,
  stdio,
  ipcOutput,
  pipedFrom: []
});
var makeEarlyError = ({
  error,
  command,
  escapedCommand,
  fileDescriptors,
  options,
  startTime,
  isSync
}) => makeError({
  error,
  command,
  escapedCommand,
  startTime,
  timedOut: false,
  isCanceled: false,
  isGracefullyCanceled: false,
  isMaxBuffer: false,
  isForcefullyTerminated: false,
  stdio: Array.from({ length: fileDescriptors.length }),
  ipcOutput: [],
  options,
  isSync
});
var makeError = ({
  error: originalError,
  command,
  escapedCommand,
  startTime,
  timedOut,
  isCanceled,
  isGracefullyCanceled,
  isMaxBuffer,
  isForcefullyTerminated,
  exitCode: rawExitCode,
  signal: rawSignal,
  stdio,
  all,
  ipcOutput,
  options: {
    timeoutDuration,
    timeout = timeoutDuration,
    forceKillAfterDelay,
    killSignal,
    cwd,
    maxBuffer
  },
  isSync
}) => {
  const { exitCode, signal, signalDescription } = normalizeExitPayload(rawExitCode, rawSignal);
  const { originalMessage, shortMessage, message } = createMessages({
    stdio,
    all,
    ipcOutput,
    originalError,
    signal,
    signalDescription,
    exitCode,
    escapedCommand,
    timedOut,
    isCanceled,
    isGracefullyCanceled,
    isMaxBuffer,
    isForcefullyTerminated,
    forceKillAfterDelay,
    killSignal,
    maxBuffer,
    timeout,
    cwd
  });
  const error = getFinalError(originalError, message, isSync);
  Object.assign(error, getErrorProperties({
    error,
    command,
    escapedCommand,
    startTime,
    timedOut,
    isCanceled,
    isGracefullyCanceled,
    isMaxBuffer,
    isForcefullyTerminated,
    exitCode,
    signal,
    signalDescription,
    stdio,
    all,
    ipcOutput,
    cwd,
    originalMessage,
    shortMessage
  }));
  return error;
};
var getErrorProperties = ({
  error,
  command,
  escapedCommand,
  startTime,
  timedOut,
  isCanceled,
  isGracefullyCanceled,
  isMaxBuffer,
  isForcefullyTerminated,
  exitCode,
  signal,
  signalDescription,
  stdio,
  all,
  ipcOutput,
  cwd,
  originalMessage,
  shortMessage
}) => omitUndefinedProperties({
  shortMessage,
  originalMessage,
  command,
  escapedCommand,
  cwd,
  durationMs: getDurationMs(startTime),
  failed: true,
  timedOut,
  isCanceled,
  isGracefullyCanceled,
  isTerminated: signal !== void 0,
  isMaxBuffer,
  isForcefullyTerminated,
  exitCode,
  signal,
  signalDescription,
  code: error.cause?.code,
  stdout: stdio[1],
  stderr: stdio[2],
  all,
  stdio,
  ipcOutput,
  pipedFrom: []
});
var omitUndefinedProperties = (result) => Object.fromEntries(Object.entries(result).filter(([, value]) => value !== void 0));
var normalizeExitPayload = (rawExitCode, rawSignal) => {
  const exitCode = rawExitCode === null ? void 0 : rawExitCode;
  const signal = rawSignal === null ? void 0 : rawSignal;
  const signalDescription = signal === void 0 ? void 0 : getSignalDescription(rawSignal);
  return { exitCode, signal, signalDescription };
};

// node_modules/parse-ms/index.js
var toZeroIfInfinity = (value) => Number.isFinite(value) ? value : 0;
function parseNumber(milliseconds) {
  return {
    days: Math.trunc(milliseconds / 864e5),
    hours: Math.trunc(milliseconds / 36e5 % 24),
    minutes: Math.trunc(milliseconds / 6e4 % 60),
    seconds: Math.trunc(milliseconds / 1e3 % 60),
    milliseconds: Math.trunc(milliseconds % 1e3),
    microseconds: Math.trunc(toZeroIfInfinity(milliseconds * 1e3) % 1e3),
    nanoseconds: Math.trunc(toZeroIfInfinity(milliseconds * 1e6) % 1e3)
  };
}
function parseBigint(milliseconds) {
  return {
    days: milliseconds / 86400000n,
    hours: milliseconds / 3600000n % 24n,
    minutes: milliseconds / 60000n % 60n,
    seconds: milliseconds / 1000n % 60n,
    milliseconds: milliseconds % 1000n,
    microseconds: 0n,
    nanoseconds: 0n
  };
}
function parseMilliseconds(milliseconds) {
  switch (typeof milliseconds) {
    case "number": {
      if (Number.isFinite(milliseconds)) {
        return parseNumber(milliseconds);
      }
      break;
    }
    case "bigint": {
      return parseBigint(milliseconds);
    }
  }
  throw new TypeError("Expected a finite number or bigint");
}

// node_modules/pretty-ms/index.js
var isZero2 = (value) => value === 0 || value === 0n;
var pluralize = (word, count2) => count2 === 1 || count2 === 1n ? word : `${word}s`;
var SECOND_ROUNDING_EPSILON = 1e-7;
var ONE_DAY_IN_MILLISECONDS = 24n * 60n * 60n * 1000n;
function prettyMilliseconds(milliseconds, options) {
  const isBigInt = typeof milliseconds === "bigint";
  if (!isBigInt && !Number.isFinite(milliseconds)) {
    throw new TypeError("Expected a finite number or bigint");
  }
  options = { ...options };
  const sign = milliseconds < 0 ? "-" : "";
  milliseconds = milliseconds < 0 ? -milliseconds : milliseconds;
  if (options.colonNotation) {
    options.compact = false;
    options.formatSubMilliseconds = false;
    options.separateMilliseconds = false;
    options.verbose = false;
  }
  if (options.compact) {
    options.unitCount = 1;
    options.secondsDecimalDigits = 0;
    options.millisecondsDecimalDigits = 0;
  }
  let result = [];
  const floorDecimals = (value, decimalDigits) => {
    const flooredInterimValue = Math.floor(value * 10 ** decimalDigits + SECOND_ROUNDING_EPSILON);
    const flooredValue = Math.round(flooredInterimValue) / 10 ** decimalDigits;
    return flooredValue.toFixed(decimalDigits);
  };
  const add = (value, long, short, valueString) => {
    if ((result.length === 0 || !options.colonNotation) && isZero2(value) && !(options.colonNotation && short === "m")) {
      return;
    }
    valueString ??= String(value);
    if (options.colonNotation) {
      const wholeDigits = valueString.includes(".") ? valueString.split(".")[0].length : valueString.length;
      const minLength = result.length > 0 ? 2 : 1;
      valueString = "0".repeat(Math.max(0, minLength - wholeDigits)) + valueString;
    } else {
      valueString += options.verbose ? " " + pluralize(long, value) : short;
    }
    result.push(valueString);
  };
  const parsed = parseMilliseconds(milliseconds);
  const days = BigInt(parsed.days);
  if (options.hideYearAndDays) {
    add(BigInt(days) * 24n + BigInt(parsed.hours), "hour", "h");
  } else {
    if (options.hideYear) {
      add(days, "day", "d");
    } else {
      add(days / 365n, "year", "y");
      add(days % 365n, "day", "d");
    }
    add(Number(parsed.hours), "hour", "h");
  }
  add(Number(parsed.minutes), "minute", "m");
  if (!options.hideSeconds) {
    if (options.separateMilliseconds || options.formatSubMilliseconds || !options.colonNotation && milliseconds < 1e3 && !options.subSecondsAsDecimals) {
      const seconds = Number(parsed.seconds);
      const milliseconds2 = Number(parsed.milliseconds);
      const microseconds = Number(parsed.microseconds);
      const nanoseconds = Number(parsed.nanoseconds);
      add(seconds, "second", "s");
      if (options.formatSubMilliseconds) {
        add(milliseconds2, "millisecond", "ms");
        add(microseconds, "microsecond", "\xB5s");
        add(nanoseconds, "nanosecond", "ns");
      } else {
        const millisecondsAndBelow = milliseconds2 + microseconds / 1e3 + nanoseconds / 1e6;
        const millisecondsDecimalDigits = typeof options.millisecondsDecimalDigits === "number" ? options.millisecondsDecimalDigits : 0;
        const roundedMilliseconds = millisecondsAndBelow >= 1 ? Math.round(millisecondsAndBelow) : Math.ceil(millisecondsAndBelow);
        const maximumMilliseconds = 1e3 - 10 ** -millisecondsDecimalDigits;
        const millisecondsString = millisecondsDecimalDigits ? Math.min(millisecondsAndBelow, maximumMilliseconds).toFixed(millisecondsDecimalDigits) : Math.min(roundedMilliseconds, maximumMilliseconds);
        add(
          Number.parseFloat(millisecondsString),
          "millisecond",
          "ms",
          millisecondsString
        );
      }
    } else {
      const seconds = (isBigInt ? Number(milliseconds % ONE_DAY_IN_MILLISECONDS) : milliseconds) / 1e3 % 60;
      const secondsDecimalDigits = typeof options.secondsDecimalDigits === "number" ? options.secondsDecimalDigits : 1;
      const secondsFixed = floorDecimals(seconds, secondsDecimalDigits);
      const secondsString = options.keepDecimalsOnWholeSeconds ? secondsFixed : secondsFixed.replace(/\.0+$/, "");
      add(Number.parseFloat(secondsString), "second", "s", secondsString);
    }
  }
  if (result.length === 0) {
    return sign + "0" + (options.verbose ? " milliseconds" : "ms");
  }
  const separator = options.colonNotation ? ":" : " ";
  if (typeof options.unitCount === "number") {
    result = result.slice(0, Math.max(options.unitCount, 1));
  }
  return sign + result.join(separator);
}

// node_modules/execa/lib/verbose/error.js
var logError = (result, verboseInfo) => {
  if (result.failed) {
    verboseLog({
      type: "error",
      verboseMessage: result.shortMessage,
      verboseInfo,
      result
    });
  }
};

// node_modules/execa/lib/verbose/complete.js
var logResult = (result, verboseInfo) => {
  if (!isVerbose(verboseInfo)) {
    return;
  }
  logError(result, verboseInfo);
  logDuration(result, verboseInfo);
};
var logDuration = (result, verboseInfo) => {
  const verboseMessage = `(done in ${prettyMilliseconds(result.durationMs)})`;
  verboseLog({
    type: "duration",
    verboseMessage,
    verboseInfo,
    result
  });
};

// node_modules/execa/lib/return/reject.js
var handleResult = (result, verboseInfo, { reject }) => {
  logResult(result, verboseInfo);
  if (result.failed && reject) {
    throw result;
  }
  return result;
};

// node_modules/execa/lib/stdio/handle-sync.js
import { readFileSync as readFileSync3 } from "node:fs";

// node_modules/execa/node_modules/is-stream/index.js
function isStream2(stream, { checkOpen = true } = {}) {
  return stream !== null && typeof stream === "object" && (stream.writable || stream.readable || !checkOpen || stream.writable === void 0 && stream.readable === void 0) && typeof stream.pipe === "function";
}
function isWritableStream(stream, { checkOpen = true } = {}) {
  return isStream2(stream, { checkOpen }) && (stream.writable || !checkOpen) && typeof stream.write === "function" && typeof stream.end === "function" && typeof stream.writable === "boolean" && typeof stream.writableObjectMode === "boolean" && typeof stream.destroy === "function" && typeof stream.destroyed === "boolean";
}
function isReadableStream2(stream, { checkOpen = true } = {}) {
  return isStream2(stream, { checkOpen }) && (stream.readable || !checkOpen) && typeof stream.read === "function" && typeof stream.readable === "boolean" && typeof stream.readableObjectMode === "boolean" && typeof stream.destroy === "function" && typeof stream.destroyed === "boolean";
}
function isDuplexStream(stream, options) {
  return isWritableStream(stream, options) && isReadableStream2(stream, options);
}

// node_modules/execa/lib/stdio/type.js
var getStdioItemType = (value, optionName) => {
  if (isAsyncGenerator(value)) {
    return "asyncGenerator";
  }
  if (isSyncGenerator(value)) {
    return "generator";
  }
  if (isUrl(value)) {
    return "fileUrl";
  }
  if (isFilePathObject(value)) {
    return "filePath";
  }
  if (isWebStream(value)) {
    return "webStream";
  }
  if (isStream2(value, { checkOpen: false })) {
    return "native";
  }
  if (isUint8Array(value)) {
    return "uint8Array";
  }
  if (isAsyncIterableObject(value)) {
    return "asyncIterable";
  }
  if (isIterableObject(value)) {
    return "iterable";
  }
  if (isTransformStream(value)) {
    return getTransformStreamType({ transform: value }, optionName);
  }
  if (isTransformOptions(value)) {
    return getTransformObjectType(value, optionName);
  }
  return "native";
};
var getTransformObjectType = (value, optionName) => {
  if (isDuplexStream(value.transform, { checkOpen: false })) {
    return getDuplexType(value, optionName);
  }
  if (isTransformStream(value.transform)) {
    return getTransformStreamType(value, optionName);
  }
  return getGeneratorObjectType(value, optionName);
};
var getDuplexType = (value, optionName) => {
  validateNonGeneratorType(value, optionName, "Duplex stream");
  return "duplex";
};
var getTransformStreamType = (value, optionName) => {
  validateNonGeneratorType(value, optionName, "web TransformStream");
  return "webTransform";
};
var validateNonGeneratorType = ({ final, binary, objectMode }, optionName, typeName2) => {
  checkUndefinedOption(final, `${optionName}.final`, typeName2);
  checkUndefinedOption(binary, `${optionName}.binary`, typeName2);
  checkBooleanOption(objectMode, `${optionName}.objectMode`);
};
var checkUndefinedOption = (value, optionName, typeName2) => {
  if (value !== void 0) {
    throw new TypeError(`The \`${optionName}\` option can only be defined when using a generator, not a ${typeName2}.`);
  }
};
var getGeneratorObjectType = ({ transform, final, binary, objectMode }, optionName) => {
  if (transform !== void 0 && !isGenerator(transform)) {
    throw new TypeError(`The \`${optionName}.transform\` option must be a generator, a Duplex stream or a web TransformStream.`);
  }
  if (isDuplexStream(final, { checkOpen: false })) {
    throw new TypeError(`The \`${optionName}.final\` option must not be a Duplex stream.`);
  }
  if (isTransformStream(final)) {
    throw new TypeError(`The \`${optionName}.final\` option must not be a web TransformStream.`);
  }
  if (final !== void 0 && !isGenerator(final)) {
    throw new TypeError(`The \`${optionName}.final\` option must be a generator.`);
  }
  checkBooleanOption(binary, `${optionName}.binary`);
  checkBooleanOption(objectMode, `${optionName}.objectMode`);
  return isAsyncGenerator(transform) || isAsyncGenerator(final) ? "asyncGenerator" : "generator";
};
var checkBooleanOption = (value, optionName) => {
  if (value !== void 0 && typeof value !== "boolean") {
    throw new TypeError(`The \`${optionName}\` option must use a boolean.`);
  }
};
var isGenerator = (value) => isAsyncGenerator(value) || isSyncGenerator(value);
var isAsyncGenerator = (value) => Object.prototype.toString.call(value) === "[object AsyncGeneratorFunction]";
var isSyncGenerator = (value) => Object.prototype.toString.call(value) === "[object GeneratorFunction]";
var isTransformOptions = (value) => isPlainObject(value) && (value.transform !== void 0 || value.final !== void 0);
var isUrl = (value) => Object.prototype.toString.call(value) === "[object URL]";
var isRegularUrl = (value) => isUrl(value) && value.protocol !== "file:";
var isFilePathObject = (value) => isPlainObject(value) && Object.keys(value).length > 0 && Object.keys(value).every((key) => FILE_PATH_KEYS.has(key)) && isFilePathString(value.file);
var FILE_PATH_KEYS = /* @__PURE__ */ new Set(["file", "append"]);
var isFilePathString = (file) => typeof file === "string";
var isUnknownStdioString = (type, value) => type === "native" && typeof value === "string" && !KNOWN_STDIO_STRINGS.has(value);
var KNOWN_STDIO_STRINGS = /* @__PURE__ */ new Set(["ipc", "ignore", "inherit", "overlapped", "pipe"]);
var isReadableStream3 = (value) => Object.prototype.toString.call(value) === "[object ReadableStream]";
var isWritableStream2 = (value) => Object.prototype.toString.call(value) === "[object WritableStream]";
var isWebStream = (value) => isReadableStream3(value) || isWritableStream2(value);
var isTransformStream = (value) => isReadableStream3(value?.readable) && isWritableStream2(value?.writable);
var isAsyncIterableObject = (value) => isObject(value) && typeof value[Symbol.asyncIterator] === "function";
var isIterableObject = (value) => isObject(value) && typeof value[Symbol.iterator] === "function";
var isObject = (value) => typeof value === "object" && value !== null;
var TRANSFORM_TYPES = /* @__PURE__ */ new Set(["generator", "asyncGenerator", "duplex", "webTransform"]);
var FILE_TYPES = /* @__PURE__ */ new Set(["fileUrl", "filePath", "fileNumber"]);
var SPECIAL_DUPLICATE_TYPES_SYNC = /* @__PURE__ */ new Set(["fileUrl", "filePath"]);
var SPECIAL_DUPLICATE_TYPES = /* @__PURE__ */ new Set([...SPECIAL_DUPLICATE_TYPES_SYNC, "webStream", "nodeStream"]);
var FORBID_DUPLICATE_TYPES = /* @__PURE__ */ new Set(["webTransform", "duplex"]);
var TYPE_TO_MESSAGE = {
  generator: "a generator",
  asyncGenerator: "an async generator",
  fileUrl: "a file URL",
  filePath: "a file path string",
  fileNumber: "a file descriptor number",
  webStream: "a web stream",
  nodeStream: "a Node.js stream",
  webTransform: "a web TransformStream",
  duplex: "a Duplex stream",
  native: "any value",
  iterable: "an iterable",
  asyncIterable: "an async iterable",
  string: "a string",
  uint8Array: "a Uint8Array"
};

// node_modules/execa/lib/transform/object-mode.js
var getTransformObjectModes = (objectMode, index, newTransforms, direction) => direction === "output" ? getOutputObjectModes(objectMode, index, newTransforms) : getInputObjectModes(objectMode, index, newTransforms);
var getOutputObjectModes = (objectMode, index, newTransforms) => {
  const writableObjectMode = index !== 0 && newTransforms[index - 1].value.readableObjectMode;
  const readableObjectMode = objectMode ?? writableObjectMode;
  return { writableObjectMode, readableObjectMode };
};
var getInputObjectModes = (objectMode, index, newTransforms) => {
  const writableObjectMode = index === 0 ? objectMode === true : newTransforms[index - 1].value.readableObjectMode;
  const readableObjectMode = index !== newTransforms.length - 1 && (objectMode ?? writableObjectMode);
  return { writableObjectMode, readableObjectMode };
};
var getFdObjectMode = (stdioItems, direction) => {
  const lastTransform = stdioItems.findLast(({ type }) => TRANSFORM_TYPES.has(type));
  if (lastTransform === void 0) {
    return false;
  }
  return direction === "input" ? lastTransform.value.writableObjectMode : lastTransform.value.readableObjectMode;
};

// node_modules/execa/lib/transform/normalize.js
var normalizeTransforms = (stdioItems, optionName, direction, options) => [
  ...stdioItems.filter(({ type }) => !TRANSFORM_TYPES.has(type)),
  ...getTransforms(stdioItems, optionName, direction, options)
];
var getTransforms = (stdioItems, optionName, direction, { encoding }) => {
  const transforms = stdioItems.filter(({ type }) => TRANSFORM_TYPES.has(type));
  const newTransforms = Array.from({ length: transforms.length });
  for (const [index, stdioItem] of Object.entries(transforms)) {
    newTransforms[index] = normalizeTransform({
      stdioItem,
      index: Number(index),
      newTransforms,
      optionName,
      direction,
      encoding
    });
  }
  return sortTransforms(newTransforms, direction);
};
var normalizeTransform = ({ stdioItem, stdioItem: { type }, index, newTransforms, optionName, direction, encoding }) => {
  if (type === "duplex") {
    return normalizeDuplex({ stdioItem, optionName });
  }
  if (type === "webTransform") {
    return normalizeTransformStream({
      stdioItem,
      index,
      newTransforms,
      direction
    });
  }
  return normalizeGenerator({
    stdioItem,
    index,
    newTransforms,
    direction,
    encoding
  });
};
var normalizeDuplex = ({
  stdioItem,
  stdioItem: {
    value: {
      transform,
      transform: { writableObjectMode, readableObjectMode },
      objectMode = readableObjectMode
    }
  },
  optionName
}) => {
  if (objectMode && !readableObjectMode) {
    throw new TypeError(`The \`${optionName}.objectMode\` option can only be \`true\` if \`new Duplex({objectMode: true})\` is used.`);
  }
  if (!objectMode && readableObjectMode) {
    throw new TypeError(`The \`${optionName}.objectMode\` option cannot be \`false\` if \`new Duplex({objectMode: true})\` is used.`);
  }
  return {
    ...stdioItem,
    value: { transform, writableObjectMode, readableObjectMode }
  };
};
var normalizeTransformStream = ({ stdioItem, stdioItem: { value }, index, newTransforms, direction }) => {
  const { transform, objectMode } = isPlainObject(value) ? value : { transform: value };
  const { writableObjectMode, readableObjectMode } = getTransformObjectModes(objectMode, index, newTransforms, direction);
  return {
    ...stdioItem,
    value: { transform, writableObjectMode, readableObjectMode }
  };
};
var normalizeGenerator = ({ stdioItem, stdioItem: { value }, index, newTransforms, direction, encoding }) => {
  const {
    transform,
    final,
    binary: binaryOption = false,
    preserveNewlines = false,
    objectMode
  } = isPlainObject(value) ? value : { transform: value };
  const binary = binaryOption || BINARY_ENCODINGS.has(encoding);
  const { writableObjectMode, readableObjectMode } = getTransformObjectModes(objectMode, index, newTransforms, direction);
  return {
    ...stdioItem,
    value: {
      transform,
      final,
      binary,
      preserveNewlines,
      writableObjectMode,
      readableObjectMode
    }
  };
};
var sortTransforms = (newTransforms, direction) => direction === "input" ? newTransforms.reverse() : newTransforms;

// node_modules/execa/lib/stdio/direction.js
import process7 from "node:process";
var getStreamDirection = (stdioItems, fdNumber, optionName) => {
  const directions = stdioItems.map((stdioItem) => getStdioItemDirection(stdioItem, fdNumber));
  if (directions.includes("input") && directions.includes("output")) {
    throw new TypeError(`The \`${optionName}\` option must not be an array of both readable and writable values.`);
  }
  return directions.find(Boolean) ?? DEFAULT_DIRECTION;
};
var getStdioItemDirection = ({ type, value }, fdNumber) => KNOWN_DIRECTIONS[fdNumber] ?? guessStreamDirection[type](value);
var KNOWN_DIRECTIONS = ["input", "output", "output"];
var anyDirection = () => void 0;
var alwaysInput = () => "input";
var guessStreamDirection = {
  generator: anyDirection,
  asyncGenerator: anyDirection,
  fileUrl: anyDirection,
  filePath: anyDirection,
  iterable: alwaysInput,
  asyncIterable: alwaysInput,
  uint8Array: alwaysInput,
  webStream: (value) => isWritableStream2(value) ? "output" : "input",
  nodeStream(value) {
    if (!isReadableStream2(value, { checkOpen: false })) {
      return "output";
    }
    return isWritableStream(value, { checkOpen: false }) ? void 0 : "input";
  },
  webTransform: anyDirection,
  duplex: anyDirection,
  native(value) {
    const standardStreamDirection = getStandardStreamDirection(value);
    if (standardStreamDirection !== void 0) {
      return standardStreamDirection;
    }
    if (isStream2(value, { checkOpen: false })) {
      return guessStreamDirection.nodeStream(value);
    }
  }
};
var getStandardStreamDirection = (value) => {
  if ([0, process7.stdin].includes(value)) {
    return "input";
  }
  if ([1, 2, process7.stdout, process7.stderr].includes(value)) {
    return "output";
  }
};
var DEFAULT_DIRECTION = "output";

// node_modules/execa/lib/ipc/array.js
var normalizeIpcStdioArray = (stdioArray, ipc) => ipc && !stdioArray.includes("ipc") ? [...stdioArray, "ipc"] : stdioArray;

// node_modules/execa/lib/stdio/stdio-option.js
var normalizeStdioOption = ({ stdio, ipc, buffer, ...options }, verboseInfo, isSync) => {
  const stdioArray = getStdioArray(stdio, options).map((stdioOption, fdNumber) => addDefaultValue2(stdioOption, fdNumber));
  return isSync ? normalizeStdioSync(stdioArray, buffer, verboseInfo) : normalizeIpcStdioArray(stdioArray, ipc);
};
var getStdioArray = (stdio, options) => {
  if (stdio === void 0) {
    return STANDARD_STREAMS_ALIASES.map((alias) => options[alias]);
  }
  if (hasAlias(options)) {
    throw new Error(`It's not possible to provide \`stdio\` in combination with one of ${STANDARD_STREAMS_ALIASES.map((alias) => `\`${alias}\``).join(", ")}`);
  }
  if (typeof stdio === "string") {
    return [stdio, stdio, stdio];
  }
  if (!Array.isArray(stdio)) {
    throw new TypeError(`Expected \`stdio\` to be of type \`string\` or \`Array\`, got \`${typeof stdio}\``);
  }
  const length = Math.max(stdio.length, STANDARD_STREAMS_ALIASES.length);
  return Array.from({ length }, (_, fdNumber) => stdio[fdNumber]);
};
var hasAlias = (options) => STANDARD_STREAMS_ALIASES.some((alias) => options[alias] !== void 0);
var addDefaultValue2 = (stdioOption, fdNumber) => {
  if (Array.isArray(stdioOption)) {
    return stdioOption.map((item) => addDefaultValue2(item, fdNumber));
  }
  if (stdioOption === null || stdioOption === void 0) {
    return fdNumber >= STANDARD_STREAMS_ALIASES.length ? "ignore" : "pipe";
  }
  return stdioOption;
};
var normalizeStdioSync = (stdioArray, buffer, verboseInfo) => stdioArray.map((stdioOption, fdNumber) => !buffer[fdNumber] && fdNumber !== 0 && !isFullVerbose(verboseInfo, fdNumber) && isOutputPipeOnly(stdioOption) ? "ignore" : stdioOption);
var isOutputPipeOnly = (stdioOption) => stdioOption === "pipe" || Array.isArray(stdioOption) && stdioOption.every((item) => item === "pipe");

// node_modules/execa/lib/stdio/native.js
import { readFileSync as readFileSync2 } from "node:fs";
import tty2 from "node:tty";
var handleNativeStream = ({ stdioItem, stdioItem: { type }, isStdioArray, fdNumber, direction, isSync }) => {
  if (!isStdioArray || type !== "native") {
    return stdioItem;
  }
  return isSync ? handleNativeStreamSync({ stdioItem, fdNumber, direction }) : handleNativeStreamAsync({ stdioItem, fdNumber });
};
var handleNativeStreamSync = ({ stdioItem, stdioItem: { value, optionName }, fdNumber, direction }) => {
  const targetFd = getTargetFd({
    value,
    optionName,
    fdNumber,
    direction
  });
  if (targetFd !== void 0) {
    return targetFd;
  }
  if (isStream2(value, { checkOpen: false })) {
    throw new TypeError(`The \`${optionName}: Stream\` option cannot both be an array and include a stream with synchronous methods.`);
  }
  return stdioItem;
};
var getTargetFd = ({ value, optionName, fdNumber, direction }) => {
  const targetFdNumber = getTargetFdNumber(value, fdNumber);
  if (targetFdNumber === void 0) {
    return;
  }
  if (direction === "output") {
    return { type: "fileNumber", value: targetFdNumber, optionName };
  }
  if (tty2.isatty(targetFdNumber)) {
    throw new TypeError(`The \`${optionName}: ${serializeOptionValue(value)}\` option is invalid: it cannot be a TTY with synchronous methods.`);
  }
  return { type: "uint8Array", value: bufferToUint8Array(readFileSync2(targetFdNumber)), optionName };
};
var getTargetFdNumber = (value, fdNumber) => {
  if (value === "inherit") {
    return fdNumber;
  }
  if (typeof value === "number") {
    return value;
  }
  const standardStreamIndex = STANDARD_STREAMS.indexOf(value);
  if (standardStreamIndex !== -1) {
    return standardStreamIndex;
  }
};
var handleNativeStreamAsync = ({ stdioItem, stdioItem: { value, optionName }, fdNumber }) => {
  if (value === "inherit") {
    return { type: "nodeStream", value: getStandardStream(fdNumber, value, optionName), optionName };
  }
  if (typeof value === "number") {
    return { type: "nodeStream", value: getStandardStream(value, value, optionName), optionName };
  }
  if (isStream2(value, { checkOpen: false })) {
    return { type: "nodeStream", value, optionName };
  }
  return stdioItem;
};
var getStandardStream = (fdNumber, value, optionName) => {
  const standardStream = STANDARD_STREAMS[fdNumber];
  if (standardStream === void 0) {
    throw new TypeError(`The \`${optionName}: ${value}\` option is invalid: no such standard stream.`);
  }
  return standardStream;
};

// node_modules/execa/lib/stdio/input-option.js
var handleInputOptions = ({ input, inputFile }, fdNumber) => fdNumber === 0 ? [
  ...handleInputOption(input),
  ...handleInputFileOption(inputFile)
] : [];
var handleInputOption = (input) => input === void 0 ? [] : [{
  type: getInputType(input),
  value: input,
  optionName: "input"
}];
var getInputType = (input) => {
  if (isReadableStream2(input, { checkOpen: false })) {
    return "nodeStream";
  }
  if (typeof input === "string") {
    return "string";
  }
  if (isUint8Array(input)) {
    return "uint8Array";
  }
  throw new Error("The `input` option must be a string, a Uint8Array or a Node.js Readable stream.");
};
var handleInputFileOption = (inputFile) => inputFile === void 0 ? [] : [{
  ...getInputFileType(inputFile),
  optionName: "inputFile"
}];
var getInputFileType = (inputFile) => {
  if (isUrl(inputFile)) {
    return { type: "fileUrl", value: inputFile };
  }
  if (isFilePathString(inputFile)) {
    return { type: "filePath", value: { file: inputFile } };
  }
  throw new Error("The `inputFile` option must be a file path string or a file URL.");
};

// node_modules/execa/lib/stdio/duplicate.js
var filterDuplicates = (stdioItems) => stdioItems.filter((stdioItemOne, indexOne) => stdioItems.every((stdioItemTwo, indexTwo) => stdioItemOne.value !== stdioItemTwo.value || indexOne >= indexTwo || stdioItemOne.type === "generator" || stdioItemOne.type === "asyncGenerator"));
var getDuplicateStream = ({ stdioItem: { type, value, optionName }, direction, fileDescriptors, isSync }) => {
  const otherStdioItems = getOtherStdioItems(fileDescriptors, type);
  if (otherStdioItems.length === 0) {
    return;
  }
  if (isSync) {
    validateDuplicateStreamSync({
      otherStdioItems,
      type,
      value,
      optionName,
      direction
    });
    return;
  }
  if (SPECIAL_DUPLICATE_TYPES.has(type)) {
    return getDuplicateStreamInstance({
      otherStdioItems,
      type,
      value,
      optionName,
      direction
    });
  }
  if (FORBID_DUPLICATE_TYPES.has(type)) {
    validateDuplicateTransform({
      otherStdioItems,
      type,
      value,
      optionName
    });
  }
};
var getOtherStdioItems = (fileDescriptors, type) => fileDescriptors.flatMap(({ direction, stdioItems }) => stdioItems.filter((stdioItem) => stdioItem.type === type).map(((stdioItem) => ({ ...stdioItem, direction }))));
var validateDuplicateStreamSync = ({ otherStdioItems, type, value, optionName, direction }) => {
  if (SPECIAL_DUPLICATE_TYPES_SYNC.has(type)) {
    getDuplicateStreamInstance({
      otherStdioItems,
      type,
      value,
      optionName,
      direction
    });
  }
};
var getDuplicateStreamInstance = ({ otherStdioItems, type, value, optionName, direction }) => {
  const duplicateStdioItems = otherStdioItems.filter((stdioItem) => hasSameValue(stdioItem, value));
  if (duplicateStdioItems.length === 0) {
    return;
  }
  const differentStdioItem = duplicateStdioItems.find((stdioItem) => stdioItem.direction !== direction);
  throwOnDuplicateStream(differentStdioItem, optionName, type);
  return direction === "output" ? duplicateStdioItems[0].stream : void 0;
};
var hasSameValue = ({ type, value }, secondValue) => {
  if (type === "filePath") {
    return value.file === secondValue.file;
  }
  if (type === "fileUrl") {
    return value.href === secondValue.href;
  }
  return value === secondValue;
};
var validateDuplicateTransform = ({ otherStdioItems, type, value, optionName }) => {
  const duplicateStdioItem = otherStdioItems.find(({ value: { transform } }) => transform === value.transform);
  throwOnDuplicateStream(duplicateStdioItem, optionName, type);
};
var throwOnDuplicateStream = (stdioItem, optionName, type) => {
  if (stdioItem !== void 0) {
    throw new TypeError(`The \`${stdioItem.optionName}\` and \`${optionName}\` options must not target ${TYPE_TO_MESSAGE[type]} that is the same.`);
  }
};

// node_modules/execa/lib/stdio/handle.js
var handleStdio = (addProperties3, options, verboseInfo, isSync) => {
  const stdio = normalizeStdioOption(options, verboseInfo, isSync);
  const initialFileDescriptors = stdio.map((stdioOption, fdNumber) => getFileDescriptor({
    stdioOption,
    fdNumber,
    options,
    isSync
  }));
  const fileDescriptors = getFinalFileDescriptors({
    initialFileDescriptors,
    addProperties: addProperties3,
    options,
    isSync
  });
  options.stdio = fileDescriptors.map(({ stdioItems }) => forwardStdio(stdioItems));
  return fileDescriptors;
};
var getFileDescriptor = ({ stdioOption, fdNumber, options, isSync }) => {
  const optionName = getStreamName(fdNumber);
  const { stdioItems: initialStdioItems, isStdioArray } = initializeStdioItems({
    stdioOption,
    fdNumber,
    options,
    optionName
  });
  const direction = getStreamDirection(initialStdioItems, fdNumber, optionName);
  const stdioItems = initialStdioItems.map((stdioItem) => handleNativeStream({
    stdioItem,
    isStdioArray,
    fdNumber,
    direction,
    isSync
  }));
  const normalizedStdioItems = normalizeTransforms(stdioItems, optionName, direction, options);
  const objectMode = getFdObjectMode(normalizedStdioItems, direction);
  validateFileObjectMode(normalizedStdioItems, objectMode);
  return { direction, objectMode, stdioItems: normalizedStdioItems };
};
var initializeStdioItems = ({ stdioOption, fdNumber, options, optionName }) => {
  const values = Array.isArray(stdioOption) ? stdioOption : [stdioOption];
  const initialStdioItems = [
    ...values.map((value) => initializeStdioItem(value, optionName)),
    ...handleInputOptions(options, fdNumber)
  ];
  const stdioItems = filterDuplicates(initialStdioItems);
  const isStdioArray = stdioItems.length > 1;
  validateStdioArray(stdioItems, isStdioArray, optionName);
  validateStreams(stdioItems);
  return { stdioItems, isStdioArray };
};
var initializeStdioItem = (value, optionName) => ({
  type: getStdioItemType(value, optionName),
  value,
  optionName
});
var validateStdioArray = (stdioItems, isStdioArray, optionName) => {
  if (stdioItems.length === 0) {
    throw new TypeError(`The \`${optionName}\` option must not be an empty array.`);
  }
  if (!isStdioArray) {
    return;
  }
  for (const { value, optionName: optionName2 } of stdioItems) {
    if (INVALID_STDIO_ARRAY_OPTIONS.has(value)) {
      throw new Error(`The \`${optionName2}\` option must not include \`${value}\`.`);
    }
  }
};
var INVALID_STDIO_ARRAY_OPTIONS = /* @__PURE__ */ new Set(["ignore", "ipc"]);
var validateStreams = (stdioItems) => {
  for (const stdioItem of stdioItems) {
    validateFileStdio(stdioItem);
  }
};
var validateFileStdio = ({ type, value, optionName }) => {
  if (isRegularUrl(value)) {
    throw new TypeError(`The \`${optionName}: URL\` option must use the \`file:\` scheme.
For example, you can use the \`pathToFileURL()\` method of the \`url\` core module.`);
  }
  if (isUnknownStdioString(type, value)) {
    throw new TypeError(`The \`${optionName}: { file: '...' }\` option must be used instead of \`${optionName}: '...'\`.`);
  }
};
var validateFileObjectMode = (stdioItems, objectMode) => {
  if (!objectMode) {
    return;
  }
  const fileStdioItem = stdioItems.find(({ type }) => FILE_TYPES.has(type));
  if (fileStdioItem !== void 0) {
    throw new TypeError(`The \`${fileStdioItem.optionName}\` option cannot use both files and transforms in objectMode.`);
  }
};
var getFinalFileDescriptors = ({ initialFileDescriptors, addProperties: addProperties3, options, isSync }) => {
  const fileDescriptors = [];
  try {
    for (const fileDescriptor of initialFileDescriptors) {
      fileDescriptors.push(getFinalFileDescriptor({
        fileDescriptor,
        fileDescriptors,
        addProperties: addProperties3,
        options,
        isSync
      }));
    }
    return fileDescriptors;
  } catch (error) {
    cleanupCustomStreams(fileDescriptors);
    throw error;
  }
};
var getFinalFileDescriptor = ({
  fileDescriptor: { direction, objectMode, stdioItems },
  fileDescriptors,
  addProperties: addProperties3,
  options,
  isSync
}) => {
  const finalStdioItems = stdioItems.map((stdioItem) => addStreamProperties({
    stdioItem,
    addProperties: addProperties3,
    direction,
    options,
    fileDescriptors,
    isSync
  }));
  return { direction, objectMode, stdioItems: finalStdioItems };
};
var addStreamProperties = ({ stdioItem, addProperties: addProperties3, direction, options, fileDescriptors, isSync }) => {
  const duplicateStream = getDuplicateStream({
    stdioItem,
    direction,
    fileDescriptors,
    isSync
  });
  if (duplicateStream !== void 0) {
    return { ...stdioItem, stream: duplicateStream };
  }
  return {
    ...stdioItem,
    ...addProperties3[direction][stdioItem.type](stdioItem, options)
  };
};
var cleanupCustomStreams = (fileDescriptors) => {
  for (const { stdioItems } of fileDescriptors) {
    for (const { stream } of stdioItems) {
      if (stream !== void 0 && !isStandardStream(stream)) {
        stream.destroy();
      }
    }
  }
};
var forwardStdio = (stdioItems) => {
  if (stdioItems.length > 1) {
    return stdioItems.some(({ value: value2 }) => value2 === "overlapped") ? "overlapped" : "pipe";
  }
  const [{ type, value }] = stdioItems;
  return type === "native" ? value : "pipe";
};

// node_modules/execa/lib/stdio/handle-sync.js
var handleStdioSync = (options, verboseInfo) => handleStdio(addPropertiesSync, options, verboseInfo, true);
var forbiddenIfSync = ({ type, optionName }) => {
  throwInvalidSyncValue(optionName, TYPE_TO_MESSAGE[type]);
};
var forbiddenNativeIfSync = ({ optionName, value }) => {
  if (value === "ipc" || value === "overlapped") {
    throwInvalidSyncValue(optionName, `"${value}"`);
  }
  return {};
};
var throwInvalidSyncValue = (optionName, value) => {
  throw new TypeError(`The \`${optionName}\` option cannot be ${value} with synchronous methods.`);
};
var addProperties = {
  generator() {
  },
  asyncGenerator: forbiddenIfSync,
  webStream: forbiddenIfSync,
  nodeStream: forbiddenIfSync,
  webTransform: forbiddenIfSync,
  duplex: forbiddenIfSync,
  asyncIterable: forbiddenIfSync,
  native: forbiddenNativeIfSync
};
var addPropertiesSync = {
  input: {
    ...addProperties,
    fileUrl: ({ value }) => ({ contents: [bufferToUint8Array(readFileSync3(value))] }),
    filePath: ({ value: { file } }) => ({ contents: [bufferToUint8Array(readFileSync3(file))] }),
    fileNumber: forbiddenIfSync,
    iterable: ({ value }) => ({ contents: [...value] }),
    string: ({ value }) => ({ contents: [value] }),
    uint8Array: ({ value }) => ({ contents: [value] })
  },
  output: {
    ...addProperties,
    fileUrl: ({ value }) => ({ path: value }),
    filePath: ({ value: { file, append } }) => ({ path: file, append }),
    fileNumber: ({ value }) => ({ path: value }),
    iterable: forbiddenIfSync,
    string: forbiddenIfSync,
    uint8Array: forbiddenIfSync
  }
};

// node_modules/execa/lib/io/strip-newline.js
var stripNewline = (value, { stripFinalNewline: stripFinalNewline2 }, fdNumber) => getStripFinalNewline(stripFinalNewline2, fdNumber) && value !== void 0 && !Array.isArray(value) ? stripFinalNewline(value) : value;
var getStripFinalNewline = (stripFinalNewline2, fdNumber) => fdNumber === "all" ? stripFinalNewline2[1] || stripFinalNewline2[2] : stripFinalNewline2[fdNumber];

// node_modules/execa/lib/transform/generator.js
import { Transform as Transform4, getDefaultHighWaterMark } from "node:stream";

// node_modules/execa/lib/transform/split.js
var getSplitLinesGenerator = (binary, preserveNewlines, skipped2, state) => binary || skipped2 ? void 0 : initializeSplitLines(preserveNewlines, state);
var splitLinesSync = (chunk, preserveNewlines, objectMode) => objectMode ? chunk.flatMap((item) => splitLinesItemSync(item, preserveNewlines)) : splitLinesItemSync(chunk, preserveNewlines);
var splitLinesItemSync = (chunk, preserveNewlines) => {
  const { transform, final } = initializeSplitLines(preserveNewlines, {});
  return [...transform(chunk), ...final()];
};
var initializeSplitLines = (preserveNewlines, state) => {
  state.previousChunks = "";
  return {
    transform: splitGenerator.bind(void 0, state, preserveNewlines),
    final: linesFinal.bind(void 0, state)
  };
};
var splitGenerator = function* (state, preserveNewlines, chunk) {
  if (typeof chunk !== "string") {
    yield chunk;
    return;
  }
  let { previousChunks } = state;
  let start = -1;
  for (let end = 0; end < chunk.length; end += 1) {
    if (chunk[end] === "\n") {
      const newlineLength = getNewlineLength(chunk, end, preserveNewlines, state);
      let line = chunk.slice(start + 1, end + 1 - newlineLength);
      if (previousChunks.length > 0) {
        line = concatString(previousChunks, line);
        previousChunks = "";
      }
      yield line;
      start = end;
    }
  }
  if (start !== chunk.length - 1) {
    previousChunks = concatString(previousChunks, chunk.slice(start + 1));
  }
  state.previousChunks = previousChunks;
};
var getNewlineLength = (chunk, end, preserveNewlines, state) => {
  if (preserveNewlines) {
    return 0;
  }
  state.isWindowsNewline = end !== 0 && chunk[end - 1] === "\r";
  return state.isWindowsNewline ? 2 : 1;
};
var linesFinal = function* ({ previousChunks }) {
  if (previousChunks.length > 0) {
    yield previousChunks;
  }
};
var getAppendNewlineGenerator = ({ binary, preserveNewlines, readableObjectMode, state }) => binary || preserveNewlines || readableObjectMode ? void 0 : { transform: appendNewlineGenerator.bind(void 0, state) };
var appendNewlineGenerator = function* ({ isWindowsNewline = false }, chunk) {
  const { unixNewline, windowsNewline, LF: LF3, concatBytes } = typeof chunk === "string" ? linesStringInfo : linesUint8ArrayInfo;
  if (chunk.at(-1) === LF3) {
    yield chunk;
    return;
  }
  const newline = isWindowsNewline ? windowsNewline : unixNewline;
  yield concatBytes(chunk, newline);
};
var concatString = (firstChunk, secondChunk) => `${firstChunk}${secondChunk}`;
var linesStringInfo = {
  windowsNewline: "\r\n",
  unixNewline: "\n",
  LF: "\n",
  concatBytes: concatString
};
var concatUint8Array = (firstChunk, secondChunk) => {
  const chunk = new Uint8Array(firstChunk.length + secondChunk.length);
  chunk.set(firstChunk, 0);
  chunk.set(secondChunk, firstChunk.length);
  return chunk;
};
var linesUint8ArrayInfo = {
  windowsNewline: new Uint8Array([13, 10]),
  unixNewline: new Uint8Array([10]),
  LF: 10,
  concatBytes: concatUint8Array
};

// node_modules/execa/lib/transform/validate.js
import { Buffer as Buffer8 } from "node:buffer";
var getValidateTransformInput = (writableObjectMode, optionName) => writableObjectMode ? void 0 : validateStringTransformInput.bind(void 0, optionName);
var validateStringTransformInput = function* (optionName, chunk) {
  if (typeof chunk !== "string" && !isUint8Array(chunk) && !Buffer8.isBuffer(chunk)) {
    throw new TypeError(`The \`${optionName}\` option's transform must use "objectMode: true" to receive as input: ${typeof chunk}.`);
  }
  yield chunk;
};
var getValidateTransformReturn = (readableObjectMode, optionName) => readableObjectMode ? validateObjectTransformReturn.bind(void 0, optionName) : validateStringTransformReturn.bind(void 0, optionName);
var validateObjectTransformReturn = function* (optionName, chunk) {
  validateEmptyReturn(optionName, chunk);
  yield chunk;
};
var validateStringTransformReturn = function* (optionName, chunk) {
  validateEmptyReturn(optionName, chunk);
  if (typeof chunk !== "string" && !isUint8Array(chunk)) {
    throw new TypeError(`The \`${optionName}\` option's function must yield a string or an Uint8Array, not ${typeof chunk}.`);
  }
  yield chunk;
};
var validateEmptyReturn = (optionName, chunk) => {
  if (chunk === null || chunk === void 0) {
    throw new TypeError(`The \`${optionName}\` option's function must not call \`yield ${chunk}\`.
Instead, \`yield\` should either be called with a value, or not be called at all. For example:
  if (condition) { yield value; }`);
  }
};

// node_modules/execa/lib/transform/encoding-transform.js
import { Buffer as Buffer9 } from "node:buffer";
import { StringDecoder as StringDecoder3 } from "node:string_decoder";
var getEncodingTransformGenerator = (binary, encoding, skipped2) => {
  if (skipped2) {
    return;
  }
  if (binary) {
    return { transform: encodingUint8ArrayGenerator.bind(void 0, new TextEncoder()) };
  }
  const stringDecoder = new StringDecoder3(encoding);
  return {
    transform: encodingStringGenerator.bind(void 0, stringDecoder),
    final: encodingStringFinal.bind(void 0, stringDecoder)
  };
};
var encodingUint8ArrayGenerator = function* (textEncoder3, chunk) {
  if (Buffer9.isBuffer(chunk)) {
    yield bufferToUint8Array(chunk);
  } else if (typeof chunk === "string") {
    yield textEncoder3.encode(chunk);
  } else {
    yield chunk;
  }
};
var encodingStringGenerator = function* (stringDecoder, chunk) {
  yield isUint8Array(chunk) ? stringDecoder.write(chunk) : chunk;
};
var encodingStringFinal = function* (stringDecoder) {
  const lastChunk = stringDecoder.end();
  if (lastChunk !== "") {
    yield lastChunk;
  }
};

// node_modules/execa/lib/transform/run-async.js
import { callbackify } from "node:util";
var pushChunks = callbackify(async (getChunks, state, getChunksArguments, transformStream) => {
  state.currentIterable = getChunks(...getChunksArguments);
  try {
    for await (const chunk of state.currentIterable) {
      transformStream.push(chunk);
    }
  } finally {
    delete state.currentIterable;
  }
});
var transformChunk = async function* (chunk, generators, index) {
  if (index === generators.length) {
    yield chunk;
    return;
  }
  const { transform = identityGenerator } = generators[index];
  for await (const transformedChunk of transform(chunk)) {
    yield* transformChunk(transformedChunk, generators, index + 1);
  }
};
var finalChunks = async function* (generators) {
  for (const [index, { final }] of Object.entries(generators)) {
    yield* generatorFinalChunks(final, Number(index), generators);
  }
};
var generatorFinalChunks = async function* (final, index, generators) {
  if (final === void 0) {
    return;
  }
  for await (const finalChunk of final()) {
    yield* transformChunk(finalChunk, generators, index + 1);
  }
};
var destroyTransform = callbackify(async ({ currentIterable }, error) => {
  if (currentIterable !== void 0) {
    await (error ? currentIterable.throw(error) : currentIterable.return());
    return;
  }
  if (error) {
    throw error;
  }
});
var identityGenerator = function* (chunk) {
  yield chunk;
};

// node_modules/execa/lib/transform/run-sync.js
var pushChunksSync = (getChunksSync, getChunksArguments, transformStream, done) => {
  try {
    for (const chunk of getChunksSync(...getChunksArguments)) {
      transformStream.push(chunk);
    }
    done();
  } catch (error) {
    done(error);
  }
};
var runTransformSync = (generators, chunks) => [
  ...chunks.flatMap((chunk) => [...transformChunkSync(chunk, generators, 0)]),
  ...finalChunksSync(generators)
];
var transformChunkSync = function* (chunk, generators, index) {
  if (index === generators.length) {
    yield chunk;
    return;
  }
  const { transform = identityGenerator2 } = generators[index];
  for (const transformedChunk of transform(chunk)) {
    yield* transformChunkSync(transformedChunk, generators, index + 1);
  }
};
var finalChunksSync = function* (generators) {
  for (const [index, { final }] of Object.entries(generators)) {
    yield* generatorFinalChunksSync(final, Number(index), generators);
  }
};
var generatorFinalChunksSync = function* (final, index, generators) {
  if (final === void 0) {
    return;
  }
  for (const finalChunk of final()) {
    yield* transformChunkSync(finalChunk, generators, index + 1);
  }
};
var identityGenerator2 = function* (chunk) {
  yield chunk;
};

// node_modules/execa/lib/transform/generator.js
var generatorToStream = ({
  value,
  value: { transform, final, writableObjectMode, readableObjectMode },
  optionName
}, { encoding }) => {
  const state = {};
  const generators = addInternalGenerators(value, encoding, optionName);
  const transformAsync = isAsyncGenerator(transform);
  const finalAsync = isAsyncGenerator(final);
  const transformMethod = transformAsync ? pushChunks.bind(void 0, transformChunk, state) : pushChunksSync.bind(void 0, transformChunkSync);
  const finalMethod = transformAsync || finalAsync ? pushChunks.bind(void 0, finalChunks, state) : pushChunksSync.bind(void 0, finalChunksSync);
  const destroyMethod = transformAsync || finalAsync ? destroyTransform.bind(void 0, state) : void 0;
  const stream = new Transform4({
    writableObjectMode,
    writableHighWaterMark: getDefaultHighWaterMark(writableObjectMode),
    readableObjectMode,
    readableHighWaterMark: getDefaultHighWaterMark(readableObjectMode),
    transform(chunk, encoding2, done) {
      transformMethod([chunk, generators, 0], this, done);
    },
    flush(done) {
      finalMethod([generators], this, done);
    },
    destroy: destroyMethod
  });
  return { stream };
};
var runGeneratorsSync = (chunks, stdioItems, encoding, isInput) => {
  const generators = stdioItems.filter(({ type }) => type === "generator");
  const reversedGenerators = isInput ? generators.reverse() : generators;
  for (const { value, optionName } of reversedGenerators) {
    const generators2 = addInternalGenerators(value, encoding, optionName);
    chunks = runTransformSync(generators2, chunks);
  }
  return chunks;
};
var addInternalGenerators = ({ transform, final, binary, writableObjectMode, readableObjectMode, preserveNewlines }, encoding, optionName) => {
  const state = {};
  return [
    { transform: getValidateTransformInput(writableObjectMode, optionName) },
    getEncodingTransformGenerator(binary, encoding, writableObjectMode),
    getSplitLinesGenerator(binary, preserveNewlines, writableObjectMode, state),
    { transform, final },
    { transform: getValidateTransformReturn(readableObjectMode, optionName) },
    getAppendNewlineGenerator({
      binary,
      preserveNewlines,
      readableObjectMode,
      state
    })
  ].filter(Boolean);
};

// node_modules/execa/lib/io/input-sync.js
var addInputOptionsSync = (fileDescriptors, options) => {
  for (const fdNumber of getInputFdNumbers(fileDescriptors)) {
    addInputOptionSync(fileDescriptors, fdNumber, options);
  }
};
var getInputFdNumbers = (fileDescriptors) => new Set(Object.entries(fileDescriptors).filter(([, { direction }]) => direction === "input").map(([fdNumber]) => Number(fdNumber)));
var addInputOptionSync = (fileDescriptors, fdNumber, options) => {
  const { stdioItems } = fileDescriptors[fdNumber];
  const allStdioItems = stdioItems.filter(({ contents }) => contents !== void 0);
  if (allStdioItems.length === 0) {
    return;
  }
  if (fdNumber !== 0) {
    const [{ type, optionName }] = allStdioItems;
    throw new TypeError(`Only the \`stdin\` option, not \`${optionName}\`, can be ${TYPE_TO_MESSAGE[type]} with synchronous methods.`);
  }
  const allContents = allStdioItems.map(({ contents }) => contents);
  const transformedContents = allContents.map((contents) => applySingleInputGeneratorsSync(contents, stdioItems));
  options.input = joinToUint8Array(transformedContents);
};
var applySingleInputGeneratorsSync = (contents, stdioItems) => {
  const newContents = runGeneratorsSync(contents, stdioItems, "utf8", true);
  validateSerializable(newContents);
  return joinToUint8Array(newContents);
};
var validateSerializable = (newContents) => {
  const invalidItem = newContents.find((item) => typeof item !== "string" && !isUint8Array(item));
  if (invalidItem !== void 0) {
    throw new TypeError(`The \`stdin\` option is invalid: when passing objects as input, a transform must be used to serialize them to strings or Uint8Arrays: ${invalidItem}.`);
  }
};

// node_modules/execa/lib/io/output-sync.js
import { writeFileSync as writeFileSync3, appendFileSync } from "node:fs";

// node_modules/execa/lib/verbose/output.js
var shouldLogOutput = ({ stdioItems, encoding, verboseInfo, fdNumber }) => fdNumber !== "all" && isFullVerbose(verboseInfo, fdNumber) && !BINARY_ENCODINGS.has(encoding) && fdUsesVerbose(fdNumber) && (stdioItems.some(({ type, value }) => type === "native" && PIPED_STDIO_VALUES.has(value)) || stdioItems.every(({ type }) => TRANSFORM_TYPES.has(type)));
var fdUsesVerbose = (fdNumber) => fdNumber === 1 || fdNumber === 2;
var PIPED_STDIO_VALUES = /* @__PURE__ */ new Set(["pipe", "overlapped"]);
var logLines = async (linesIterable, stream, fdNumber, verboseInfo) => {
  for await (const line of linesIterable) {
    if (!isPipingStream(stream)) {
      logLine(line, fdNumber, verboseInfo);
    }
  }
};
var logLinesSync = (linesArray, fdNumber, verboseInfo) => {
  for (const line of linesArray) {
    logLine(line, fdNumber, verboseInfo);
  }
};
var isPipingStream = (stream) => stream._readableState.pipes.length > 0;
var logLine = (line, fdNumber, verboseInfo) => {
  const verboseMessage = serializeVerboseMessage(line);
  verboseLog({
    type: "output",
    verboseMessage,
    fdNumber,
    verboseInfo
  });
};

// node_modules/execa/lib/io/output-sync.js
var transformOutputSync = ({ fileDescriptors, syncResult: { output }, options, isMaxBuffer, verboseInfo }) => {
  if (output === null) {
    return { output: Array.from({ length: 3 }) };
  }
  const state = {};
  const outputFiles = /* @__PURE__ */ new Set([]);
  const transformedOutput = output.map((result, fdNumber) => transformOutputResultSync({
    result,
    fileDescriptors,
    fdNumber,
    state,
    outputFiles,
    isMaxBuffer,
    verboseInfo
  }, options));
  return { output: transformedOutput, ...state };
};
var transformOutputResultSync = ({ result, fileDescriptors, fdNumber, state, outputFiles, isMaxBuffer, verboseInfo }, { buffer, encoding, lines: lines2, stripFinalNewline: stripFinalNewline2, maxBuffer }) => {
  if (result === null) {
    return;
  }
  const truncatedResult = truncateMaxBufferSync(result, isMaxBuffer, maxBuffer);
  const uint8ArrayResult = bufferToUint8Array(truncatedResult);
  const { stdioItems, objectMode } = fileDescriptors[fdNumber];
  const chunks = runOutputGeneratorsSync([uint8ArrayResult], stdioItems, encoding, state);
  const { serializedResult, finalResult = serializedResult } = serializeChunks({
    chunks,
    objectMode,
    encoding,
    lines: lines2,
    stripFinalNewline: stripFinalNewline2,
    fdNumber
  });
  logOutputSync({
    serializedResult,
    fdNumber,
    state,
    verboseInfo,
    encoding,
    stdioItems,
    objectMode
  });
  const returnedResult = buffer[fdNumber] ? finalResult : void 0;
  try {
    if (state.error === void 0) {
      writeToFiles(serializedResult, stdioItems, outputFiles);
    }
    return returnedResult;
  } catch (error) {
    state.error = error;
    return returnedResult;
  }
};
var runOutputGeneratorsSync = (chunks, stdioItems, encoding, state) => {
  try {
    return runGeneratorsSync(chunks, stdioItems, encoding, false);
  } catch (error) {
    state.error = error;
    return chunks;
  }
};
var serializeChunks = ({ chunks, objectMode, encoding, lines: lines2, stripFinalNewline: stripFinalNewline2, fdNumber }) => {
  if (objectMode) {
    return { serializedResult: chunks };
  }
  if (encoding === "buffer") {
    return { serializedResult: joinToUint8Array(chunks) };
  }
  const serializedResult = joinToString(chunks, encoding);
  if (lines2[fdNumber]) {
    return { serializedResult, finalResult: splitLinesSync(serializedResult, !stripFinalNewline2[fdNumber], objectMode) };
  }
  return { serializedResult };
};
var logOutputSync = ({ serializedResult, fdNumber, state, verboseInfo, encoding, stdioItems, objectMode }) => {
  if (!shouldLogOutput({
    stdioItems,
    encoding,
    verboseInfo,
    fdNumber
  })) {
    return;
  }
  const linesArray = splitLinesSync(serializedResult, false, objectMode);
  try {
    logLinesSync(linesArray, fdNumber, verboseInfo);
  } catch (error) {
    state.error ??= error;
  }
};
var writeToFiles = (serializedResult, stdioItems, outputFiles) => {
  for (const { path: path6, append } of stdioItems.filter(({ type }) => FILE_TYPES.has(type))) {
    const pathString = typeof path6 === "string" ? path6 : path6.toString();
    if (append || outputFiles.has(pathString)) {
      appendFileSync(path6, serializedResult);
    } else {
      outputFiles.add(pathString);
      writeFileSync3(path6, serializedResult);
    }
  }
};

// node_modules/execa/lib/resolve/all-sync.js
var getAllSync = ([, stdout, stderr], options) => {
  if (!options.all) {
    return;
  }
  if (stdout === void 0) {
    return stderr;
  }
  if (stderr === void 0) {
    return stdout;
  }
  if (Array.isArray(stdout)) {
    return Array.isArray(stderr) ? [...stdout, ...stderr] : [...stdout, stripNewline(stderr, options, "all")];
  }
  if (Array.isArray(stderr)) {
    return [stripNewline(stdout, options, "all"), ...stderr];
  }
  if (isUint8Array(stdout) && isUint8Array(stderr)) {
    return concatUint8Arrays([stdout, stderr]);
  }
  return `${stdout}${stderr}`;
};

// node_modules/execa/lib/resolve/exit-async.js
import { once as once4 } from "node:events";
var waitForExit = async (subprocess, context) => {
  const [exitCode, signal] = await waitForExitOrError(subprocess);
  context.isForcefullyTerminated ??= false;
  return [exitCode, signal];
};
var waitForExitOrError = async (subprocess) => {
  const [spawnPayload, exitPayload] = await Promise.allSettled([
    once4(subprocess, "spawn"),
    once4(subprocess, "exit")
  ]);
  if (spawnPayload.status === "rejected") {
    return [];
  }
  return exitPayload.status === "rejected" ? waitForSubprocessExit(subprocess) : exitPayload.value;
};
var waitForSubprocessExit = async (subprocess) => {
  try {
    return await once4(subprocess, "exit");
  } catch {
    return waitForSubprocessExit(subprocess);
  }
};
var waitForSuccessfulExit = async (exitPromise) => {
  const [exitCode, signal] = await exitPromise;
  if (!isSubprocessErrorExit(exitCode, signal) && isFailedExit(exitCode, signal)) {
    throw new DiscardedError();
  }
  return [exitCode, signal];
};
var isSubprocessErrorExit = (exitCode, signal) => exitCode === void 0 && signal === void 0;
var isFailedExit = (exitCode, signal) => exitCode !== 0 || signal !== null;

// node_modules/execa/lib/resolve/exit-sync.js
var getExitResultSync = ({ error, status: exitCode, signal, output }, { maxBuffer }) => {
  const resultError = getResultError(error, exitCode, signal);
  const timedOut = resultError?.code === "ETIMEDOUT";
  const isMaxBuffer = isMaxBufferSync(resultError, output, maxBuffer);
  return {
    resultError,
    exitCode,
    signal,
    timedOut,
    isMaxBuffer
  };
};
var getResultError = (error, exitCode, signal) => {
  if (error !== void 0) {
    return error;
  }
  return isFailedExit(exitCode, signal) ? new DiscardedError() : void 0;
};

// node_modules/execa/lib/methods/main-sync.js
var execaCoreSync = (rawFile, rawArguments, rawOptions) => {
  const { file, commandArguments, command, escapedCommand, startTime, verboseInfo, options, fileDescriptors } = handleSyncArguments(rawFile, rawArguments, rawOptions);
  const result = spawnSubprocessSync({
    file,
    commandArguments,
    options,
    command,
    escapedCommand,
    verboseInfo,
    fileDescriptors,
    startTime
  });
  return handleResult(result, verboseInfo, options);
};
var handleSyncArguments = (rawFile, rawArguments, rawOptions) => {
  const { command, escapedCommand, startTime, verboseInfo } = handleCommand(rawFile, rawArguments, rawOptions);
  const syncOptions = normalizeSyncOptions(rawOptions);
  const { file, commandArguments, options } = normalizeOptions(rawFile, rawArguments, syncOptions);
  validateSyncOptions(options);
  const fileDescriptors = handleStdioSync(options, verboseInfo);
  return {
    file,
    commandArguments,
    command,
    escapedCommand,
    startTime,
    verboseInfo,
    options,
    fileDescriptors
  };
};
var normalizeSyncOptions = (options) => options.node && !options.ipc ? { ...options, ipc: false } : options;
var validateSyncOptions = ({ ipc, ipcInput, detached, cancelSignal }) => {
  if (ipcInput) {
    throwInvalidSyncOption("ipcInput");
  }
  if (ipc) {
    throwInvalidSyncOption("ipc: true");
  }
  if (detached) {
    throwInvalidSyncOption("detached: true");
  }
  if (cancelSignal) {
    throwInvalidSyncOption("cancelSignal");
  }
};
var throwInvalidSyncOption = (value) => {
  throw new TypeError(`The "${value}" option cannot be used with synchronous methods.`);
};
var spawnSubprocessSync = ({ file, commandArguments, options, command, escapedCommand, verboseInfo, fileDescriptors, startTime }) => {
  const syncResult = runSubprocessSync({
    file,
    commandArguments,
    options,
    command,
    escapedCommand,
    fileDescriptors,
    startTime
  });
  if (syncResult.failed) {
    return syncResult;
  }
  const { resultError, exitCode, signal, timedOut, isMaxBuffer } = getExitResultSync(syncResult, options);
  const { output, error = resultError } = transformOutputSync({
    fileDescriptors,
    syncResult,
    options,
    isMaxBuffer,
    verboseInfo
  });
  const stdio = output.map((stdioOutput, fdNumber) => stripNewline(stdioOutput, options, fdNumber));
  const all = stripNewline(getAllSync(output, options), options, "all");
  return getSyncResult({
    error,
    exitCode,
    signal,
    timedOut,
    isMaxBuffer,
    stdio,
    all,
    options,
    command,
    escapedCommand,
    startTime
  });
};
var runSubprocessSync = ({ file, commandArguments, options, command, escapedCommand, fileDescriptors, startTime }) => {
  try {
    addInputOptionsSync(fileDescriptors, options);
    const normalizedOptions = normalizeSpawnSyncOptions(options);
    return spawnSync2(...concatenateShell(file, commandArguments, normalizedOptions));
  } catch (error) {
    return makeEarlyError({
      error,
      command,
      escapedCommand,
      fileDescriptors,
      options,
      startTime,
      isSync: true
    });
  }
};
var normalizeSpawnSyncOptions = ({ encoding, maxBuffer, ...options }) => ({ ...options, encoding: "buffer", maxBuffer: getMaxBufferSync(maxBuffer) });
var getSyncResult = ({ error, exitCode, signal, timedOut, isMaxBuffer, stdio, all, options, command, escapedCommand, startTime }) => error === void 0 ? makeSuccessResult({
  command,
  escapedCommand,
  stdio,
  all,
  ipcOutput: [],
  options,
  startTime
}) : makeError({
  error,
  command,
  escapedCommand,
  timedOut,
  isCanceled: false,
  isGracefullyCanceled: false,
  isMaxBuffer,
  isForcefullyTerminated: false,
  exitCode,
  signal,
  stdio,
  all,
  ipcOutput: [],
  options,
  startTime,
  isSync: true
});

// node_modules/execa/lib/methods/main-async.js
import { setMaxListeners } from "node:events";
import { spawn as spawn4 } from "node:child_process";

// node_modules/execa/lib/ipc/methods.js
import process8 from "node:process";

// node_modules/execa/lib/ipc/get-one.js
import { once as once5, on as on2 } from "node:events";
var getOneMessage = ({ anyProcess, channel, isSubprocess, ipc }, { reference = true, filter } = {}) => {
  validateIpcMethod({
    methodName: "getOneMessage",
    isSubprocess,
    ipc,
    isConnected: isConnected(anyProcess)
  });
  return getOneMessageAsync({
    anyProcess,
    channel,
    isSubprocess,
    filter,
    reference
  });
};
var getOneMessageAsync = async ({ anyProcess, channel, isSubprocess, filter, reference }) => {
  addReference(channel, reference);
  const ipcEmitter = getIpcEmitter(anyProcess, channel, isSubprocess);
  const controller = new AbortController();
  try {
    return await Promise.race([
      getMessage(ipcEmitter, filter, controller),
      throwOnDisconnect2(ipcEmitter, isSubprocess, controller),
      throwOnStrictError(ipcEmitter, isSubprocess, controller)
    ]);
  } catch (error) {
    disconnect(anyProcess);
    throw error;
  } finally {
    controller.abort();
    removeReference(channel, reference);
  }
};
var getMessage = async (ipcEmitter, filter, { signal }) => {
  if (filter === void 0) {
    const [message] = await once5(ipcEmitter, "message", { signal });
    return message;
  }
  for await (const [message] of on2(ipcEmitter, "message", { signal })) {
    if (filter(message)) {
      return message;
    }
  }
};
var throwOnDisconnect2 = async (ipcEmitter, isSubprocess, { signal }) => {
  await once5(ipcEmitter, "disconnect", { signal });
  throwOnEarlyDisconnect(isSubprocess);
};
var throwOnStrictError = async (ipcEmitter, isSubprocess, { signal }) => {
  const [error] = await once5(ipcEmitter, "strict:error", { signal });
  throw getStrictResponseError(error, isSubprocess);
};

// node_modules/execa/lib/ipc/get-each.js
import { once as once6, on as on3 } from "node:events";
var getEachMessage = ({ anyProcess, channel, isSubprocess, ipc }, { reference = true } = {}) => loopOnMessages({
  anyProcess,
  channel,
  isSubprocess,
  ipc,
  shouldAwait: !isSubprocess,
  reference
});
var loopOnMessages = ({ anyProcess, channel, isSubprocess, ipc, shouldAwait, reference }) => {
  validateIpcMethod({
    methodName: "getEachMessage",
    isSubprocess,
    ipc,
    isConnected: isConnected(anyProcess)
  });
  addReference(channel, reference);
  const ipcEmitter = getIpcEmitter(anyProcess, channel, isSubprocess);
  const controller = new AbortController();
  const state = {};
  stopOnDisconnect(anyProcess, ipcEmitter, controller);
  abortOnStrictError({
    ipcEmitter,
    isSubprocess,
    controller,
    state
  });
  return iterateOnMessages({
    anyProcess,
    channel,
    ipcEmitter,
    isSubprocess,
    shouldAwait,
    controller,
    state,
    reference
  });
};
var stopOnDisconnect = async (anyProcess, ipcEmitter, controller) => {
  try {
    await once6(ipcEmitter, "disconnect", { signal: controller.signal });
    controller.abort();
  } catch {
  }
};
var abortOnStrictError = async ({ ipcEmitter, isSubprocess, controller, state }) => {
  try {
    const [error] = await once6(ipcEmitter, "strict:error", { signal: controller.signal });
    state.error = getStrictResponseError(error, isSubprocess);
    controller.abort();
  } catch {
  }
};
var iterateOnMessages = async function* ({ anyProcess, channel, ipcEmitter, isSubprocess, shouldAwait, controller, state, reference }) {
  try {
    for await (const [message] of on3(ipcEmitter, "message", { signal: controller.signal })) {
      throwIfStrictError(state);
      yield message;
    }
  } catch {
    throwIfStrictError(state);
  } finally {
    controller.abort();
    removeReference(channel, reference);
    if (!isSubprocess) {
      disconnect(anyProcess);
    }
    if (shouldAwait) {
      await anyProcess;
    }
  }
};
var throwIfStrictError = ({ error }) => {
  if (error) {
    throw error;
  }
};

// node_modules/execa/lib/ipc/methods.js
var addIpcMethods = (subprocess, { ipc }) => {
  Object.assign(subprocess, getIpcMethods(subprocess, false, ipc));
};
var getIpcExport = () => {
  const anyProcess = process8;
  const isSubprocess = true;
  const ipc = process8.channel !== void 0;
  return {
    ...getIpcMethods(anyProcess, isSubprocess, ipc),
    getCancelSignal: getCancelSignal.bind(void 0, {
      anyProcess,
      channel: anyProcess.channel,
      isSubprocess,
      ipc
    })
  };
};
var getIpcMethods = (anyProcess, isSubprocess, ipc) => ({
  sendMessage: sendMessage.bind(void 0, {
    anyProcess,
    channel: anyProcess.channel,
    isSubprocess,
    ipc
  }),
  getOneMessage: getOneMessage.bind(void 0, {
    anyProcess,
    channel: anyProcess.channel,
    isSubprocess,
    ipc
  }),
  getEachMessage: getEachMessage.bind(void 0, {
    anyProcess,
    channel: anyProcess.channel,
    isSubprocess,
    ipc
  })
});

// node_modules/execa/lib/return/early-error.js
import { ChildProcess as ChildProcess2 } from "node:child_process";
import {
  PassThrough,
  Readable,
  Writable as Writable3,
  Duplex
} from "node:stream";
var handleEarlyError = ({ error, command, escapedCommand, fileDescriptors, options, startTime, verboseInfo }) => {
  cleanupCustomStreams(fileDescriptors);
  const subprocess = new ChildProcess2();
  createDummyStreams(subprocess, fileDescriptors);
  Object.assign(subprocess, { readable, writable, duplex });
  const earlyError = makeEarlyError({
    error,
    command,
    escapedCommand,
    fileDescriptors,
    options,
    startTime,
    isSync: false
  });
  const promise = handleDummyPromise(earlyError, verboseInfo, options);
  return { subprocess, promise };
};
var createDummyStreams = (subprocess, fileDescriptors) => {
  const stdin = createDummyStream();
  const stdout = createDummyStream();
  const stderr = createDummyStream();
  const extraStdio = Array.from({ length: fileDescriptors.length - 3 }, createDummyStream);
  const all = createDummyStream();
  const stdio = [stdin, stdout, stderr, ...extraStdio];
  Object.assign(subprocess, {
    stdin,
    stdout,
    stderr,
    all,
    stdio
  });
};
var createDummyStream = () => {
  const stream = new PassThrough();
  stream.end();
  return stream;
};
var readable = () => new Readable({ read() {
} });
var writable = () => new Writable3({ write() {
} });
var duplex = () => new Duplex({ read() {
}, write() {
} });
var handleDummyPromise = async (error, verboseInfo, options) => handleResult(error, verboseInfo, options);

// node_modules/execa/lib/stdio/handle-async.js
import { createReadStream as createReadStream2, createWriteStream as createWriteStream3 } from "node:fs";
import { Buffer as Buffer10 } from "node:buffer";
import { Readable as Readable2, Writable as Writable4, Duplex as Duplex2 } from "node:stream";
var handleStdioAsync = (options, verboseInfo) => handleStdio(addPropertiesAsync, options, verboseInfo, false);
var forbiddenIfAsync = ({ type, optionName }) => {
  throw new TypeError(`The \`${optionName}\` option cannot be ${TYPE_TO_MESSAGE[type]}.`);
};
var addProperties2 = {
  fileNumber: forbiddenIfAsync,
  generator: generatorToStream,
  asyncGenerator: generatorToStream,
  nodeStream: ({ value }) => ({ stream: value }),
  webTransform({ value: { transform, writableObjectMode, readableObjectMode } }) {
    const objectMode = writableObjectMode || readableObjectMode;
    const stream = Duplex2.fromWeb(transform, { objectMode });
    return { stream };
  },
  duplex: ({ value: { transform } }) => ({ stream: transform }),
  native() {
  }
};
var addPropertiesAsync = {
  input: {
    ...addProperties2,
    fileUrl: ({ value }) => ({ stream: createReadStream2(value) }),
    filePath: ({ value: { file } }) => ({ stream: createReadStream2(file) }),
    webStream: ({ value }) => ({ stream: Readable2.fromWeb(value) }),
    iterable: ({ value }) => ({ stream: Readable2.from(value) }),
    asyncIterable: ({ value }) => ({ stream: Readable2.from(value) }),
    string: ({ value }) => ({ stream: Readable2.from(value) }),
    uint8Array: ({ value }) => ({ stream: Readable2.from(Buffer10.from(value)) })
  },
  output: {
    ...addProperties2,
    fileUrl: ({ value }) => ({ stream: createWriteStream3(value) }),
    filePath: ({ value: { file, append } }) => ({ stream: createWriteStream3(file, append ? { flags: "a" } : {}) }),
    webStream: ({ value }) => ({ stream: Writable4.fromWeb(value) }),
    iterable: forbiddenIfAsync,
    asyncIterable: forbiddenIfAsync,
    string: forbiddenIfAsync,
    uint8Array: forbiddenIfAsync
  }
};

// node_modules/@sindresorhus/merge-streams/index.js
import { on as on4, once as once7 } from "node:events";
import { PassThrough as PassThroughStream, getDefaultHighWaterMark as getDefaultHighWaterMark2 } from "node:stream";
import { finished as finished2 } from "node:stream/promises";
function mergeStreams(streams) {
  if (!Array.isArray(streams)) {
    throw new TypeError(`Expected an array, got \`${typeof streams}\`.`);
  }
  for (const stream of streams) {
    validateStream(stream);
  }
  const objectMode = streams.some(({ readableObjectMode }) => readableObjectMode);
  const highWaterMark = getHighWaterMark(streams, objectMode);
  const passThroughStream = new MergedStream({
    objectMode,
    writableHighWaterMark: highWaterMark,
    readableHighWaterMark: highWaterMark
  });
  for (const stream of streams) {
    passThroughStream.add(stream);
  }
  return passThroughStream;
}
var getHighWaterMark = (streams, objectMode) => {
  if (streams.length === 0) {
    return getDefaultHighWaterMark2(objectMode);
  }
  const highWaterMarks = streams.filter(({ readableObjectMode }) => readableObjectMode === objectMode).map(({ readableHighWaterMark }) => readableHighWaterMark);
  return Math.max(...highWaterMarks);
};
var MergedStream = class extends PassThroughStream {
  #streams = /* @__PURE__ */ new Set([]);
  #ended = /* @__PURE__ */ new Set([]);
  #aborted = /* @__PURE__ */ new Set([]);
  #onFinished;
  #unpipeEvent = /* @__PURE__ */ Symbol("unpipe");
  #streamPromises = /* @__PURE__ */ new WeakMap();
  add(stream) {
    validateStream(stream);
    if (this.#streams.has(stream)) {
      return;
    }
    this.#streams.add(stream);
    this.#onFinished ??= onMergedStreamFinished(this, this.#streams, this.#unpipeEvent);
    const streamPromise = endWhenStreamsDone({
      passThroughStream: this,
      stream,
      streams: this.#streams,
      ended: this.#ended,
      aborted: this.#aborted,
      onFinished: this.#onFinished,
      unpipeEvent: this.#unpipeEvent
    });
    this.#streamPromises.set(stream, streamPromise);
    stream.pipe(this, { end: false });
  }
  async remove(stream) {
    validateStream(stream);
    if (!this.#streams.has(stream)) {
      return false;
    }
    const streamPromise = this.#streamPromises.get(stream);
    if (streamPromise === void 0) {
      return false;
    }
    this.#streamPromises.delete(stream);
    stream.unpipe(this);
    await streamPromise;
    return true;
  }
};
var onMergedStreamFinished = async (passThroughStream, streams, unpipeEvent) => {
  updateMaxListeners(passThroughStream, PASSTHROUGH_LISTENERS_COUNT);
  const controller = new AbortController();
  try {
    await Promise.race([
      onMergedStreamEnd(passThroughStream, controller),
      onInputStreamsUnpipe(passThroughStream, streams, unpipeEvent, controller)
    ]);
  } finally {
    controller.abort();
    updateMaxListeners(passThroughStream, -PASSTHROUGH_LISTENERS_COUNT);
  }
};
var onMergedStreamEnd = async (passThroughStream, { signal }) => {
  try {
    await finished2(passThroughStream, { signal, cleanup: true });
  } catch (error) {
    errorOrAbortStream(passThroughStream, error);
    throw error;
  }
};
var onInputStreamsUnpipe = async (passThroughStream, streams, unpipeEvent, { signal }) => {
  for await (const [unpipedStream] of on4(passThroughStream, "unpipe", { signal })) {
    if (streams.has(unpipedStream)) {
      unpipedStream.emit(unpipeEvent);
    }
  }
};
var validateStream = (stream) => {
  if (typeof stream?.pipe !== "function") {
    throw new TypeError(`Expected a readable stream, got: \`${typeof stream}\`.`);
  }
};
var endWhenStreamsDone = async ({ passThroughStream, stream, streams, ended, aborted: aborted2, onFinished, unpipeEvent }) => {
  updateMaxListeners(passThroughStream, PASSTHROUGH_LISTENERS_PER_STREAM);
  const controller = new AbortController();
  try {
    await Promise.race([
      afterMergedStreamFinished(onFinished, stream, controller),
      onInputStreamEnd({
        passThroughStream,
        stream,
        streams,
        ended,
        aborted: aborted2,
        controller
      }),
      onInputStreamUnpipe({
        stream,
        streams,
        ended,
        aborted: aborted2,
        unpipeEvent,
        controller
      })
    ]);
  } finally {
    controller.abort();
    updateMaxListeners(passThroughStream, -PASSTHROUGH_LISTENERS_PER_STREAM);
  }
  if (streams.size > 0 && streams.size === ended.size + aborted2.size) {
    if (ended.size === 0 && aborted2.size > 0) {
      abortStream(passThroughStream);
    } else {
      endStream(passThroughStream);
    }
  }
};
var afterMergedStreamFinished = async (onFinished, stream, { signal }) => {
  try {
    await onFinished;
    if (!signal.aborted) {
      abortStream(stream);
    }
  } catch (error) {
    if (!signal.aborted) {
      errorOrAbortStream(stream, error);
    }
  }
};
var onInputStreamEnd = async ({ passThroughStream, stream, streams, ended, aborted: aborted2, controller: { signal } }) => {
  try {
    await finished2(stream, {
      signal,
      cleanup: true,
      readable: true,
      writable: false
    });
    if (streams.has(stream)) {
      ended.add(stream);
    }
  } catch (error) {
    if (signal.aborted || !streams.has(stream)) {
      return;
    }
    if (isAbortError(error)) {
      aborted2.add(stream);
    } else {
      errorStream(passThroughStream, error);
    }
  }
};
var onInputStreamUnpipe = async ({ stream, streams, ended, aborted: aborted2, unpipeEvent, controller: { signal } }) => {
  await once7(stream, unpipeEvent, { signal });
  if (!stream.readable) {
    return once7(signal, "abort", { signal });
  }
  streams.delete(stream);
  ended.delete(stream);
  aborted2.delete(stream);
};
var endStream = (stream) => {
  if (stream.writable) {
    stream.end();
  }
};
var errorOrAbortStream = (stream, error) => {
  if (isAbortError(error)) {
    abortStream(stream);
  } else {
    errorStream(stream, error);
  }
};
var isAbortError = (error) => error?.code === "ERR_STREAM_PREMATURE_CLOSE";
var abortStream = (stream) => {
  if (stream.readable || stream.writable) {
    stream.destroy();
  }
};
var errorStream = (stream, error) => {
  if (!stream.destroyed) {
    stream.once("error", noop2);
    stream.destroy(error);
  }
};
var noop2 = () => {
};
var updateMaxListeners = (passThroughStream, increment2) => {
  const maxListeners = passThroughStream.getMaxListeners();
  if (maxListeners !== 0 && maxListeners !== Number.POSITIVE_INFINITY) {
    passThroughStream.setMaxListeners(maxListeners + increment2);
  }
};
var PASSTHROUGH_LISTENERS_COUNT = 2;
var PASSTHROUGH_LISTENERS_PER_STREAM = 1;

// node_modules/execa/lib/io/pipeline.js
import { finished as finished3 } from "node:stream/promises";
var pipeStreams = (source, destination) => {
  source.pipe(destination);
  onSourceFinish(source, destination);
  onDestinationFinish(source, destination);
};
var onSourceFinish = async (source, destination) => {
  if (isStandardStream(source) || isStandardStream(destination)) {
    return;
  }
  try {
    await finished3(source, { cleanup: true, readable: true, writable: false });
  } catch {
  }
  endDestinationStream(destination);
};
var endDestinationStream = (destination) => {
  if (destination.writable) {
    destination.end();
  }
};
var onDestinationFinish = async (source, destination) => {
  if (isStandardStream(source) || isStandardStream(destination)) {
    return;
  }
  try {
    await finished3(destination, { cleanup: true, readable: false, writable: true });
  } catch {
  }
  abortSourceStream(source);
};
var abortSourceStream = (source) => {
  if (source.readable) {
    source.destroy();
  }
};

// node_modules/execa/lib/io/output-async.js
var pipeOutputAsync = (subprocess, fileDescriptors, controller) => {
  const pipeGroups = /* @__PURE__ */ new Map();
  for (const [fdNumber, { stdioItems, direction }] of Object.entries(fileDescriptors)) {
    for (const { stream } of stdioItems.filter(({ type }) => TRANSFORM_TYPES.has(type))) {
      pipeTransform(subprocess, stream, direction, fdNumber);
    }
    for (const { stream } of stdioItems.filter(({ type }) => !TRANSFORM_TYPES.has(type))) {
      pipeStdioItem({
        subprocess,
        stream,
        direction,
        fdNumber,
        pipeGroups,
        controller
      });
    }
  }
  for (const [outputStream, inputStreams] of pipeGroups.entries()) {
    const inputStream = inputStreams.length === 1 ? inputStreams[0] : mergeStreams(inputStreams);
    pipeStreams(inputStream, outputStream);
  }
};
var pipeTransform = (subprocess, stream, direction, fdNumber) => {
  if (direction === "output") {
    pipeStreams(subprocess.stdio[fdNumber], stream);
  } else {
    pipeStreams(stream, subprocess.stdio[fdNumber]);
  }
  const streamProperty = SUBPROCESS_STREAM_PROPERTIES[fdNumber];
  if (streamProperty !== void 0) {
    subprocess[streamProperty] = stream;
  }
  subprocess.stdio[fdNumber] = stream;
};
var SUBPROCESS_STREAM_PROPERTIES = ["stdin", "stdout", "stderr"];
var pipeStdioItem = ({ subprocess, stream, direction, fdNumber, pipeGroups, controller }) => {
  if (stream === void 0) {
    return;
  }
  setStandardStreamMaxListeners(stream, controller);
  const [inputStream, outputStream] = direction === "output" ? [stream, subprocess.stdio[fdNumber]] : [subprocess.stdio[fdNumber], stream];
  const outputStreams = pipeGroups.get(inputStream) ?? [];
  pipeGroups.set(inputStream, [...outputStreams, outputStream]);
};
var setStandardStreamMaxListeners = (stream, { signal }) => {
  if (isStandardStream(stream)) {
    incrementMaxListeners(stream, MAX_LISTENERS_INCREMENT, signal);
  }
};
var MAX_LISTENERS_INCREMENT = 2;

// node_modules/execa/lib/terminate/cleanup.js
import { addAbortListener as addAbortListener2 } from "node:events";

// node_modules/signal-exit/dist/mjs/signals.js
var signals = [];
signals.push("SIGHUP", "SIGINT", "SIGTERM");
if (process.platform !== "win32") {
  signals.push(
    "SIGALRM",
    "SIGABRT",
    "SIGVTALRM",
    "SIGXCPU",
    "SIGXFSZ",
    "SIGUSR2",
    "SIGTRAP",
    "SIGSYS",
    "SIGQUIT",
    "SIGIOT"
    // should detect profiler and enable/disable accordingly.
    // see #21
    // 'SIGPROF'
  );
}
if (process.platform === "linux") {
  signals.push("SIGIO", "SIGPOLL", "SIGPWR", "SIGSTKFLT");
}

// node_modules/signal-exit/dist/mjs/index.js
var processOk = (process10) => !!process10 && typeof process10 === "object" && typeof process10.removeListener === "function" && typeof process10.emit === "function" && typeof process10.reallyExit === "function" && typeof process10.listeners === "function" && typeof process10.kill === "function" && typeof process10.pid === "number" && typeof process10.on === "function";
var kExitEmitter = /* @__PURE__ */ Symbol.for("signal-exit emitter");
var global2 = globalThis;
var ObjectDefineProperty = Object.defineProperty.bind(Object);
var Emitter = class {
  emitted = {
    afterExit: false,
    exit: false
  };
  listeners = {
    afterExit: [],
    exit: []
  };
  count = 0;
  id = Math.random();
  constructor() {
    if (global2[kExitEmitter]) {
      return global2[kExitEmitter];
    }
    ObjectDefineProperty(global2, kExitEmitter, {
      value: this,
      writable: false,
      enumerable: false,
      configurable: false
    });
  }
  on(ev, fn) {
    this.listeners[ev].push(fn);
  }
  removeListener(ev, fn) {
    const list = this.listeners[ev];
    const i2 = list.indexOf(fn);
    if (i2 === -1) {
      return;
    }
    if (i2 === 0 && list.length === 1) {
      list.length = 0;
    } else {
      list.splice(i2, 1);
    }
  }
  emit(ev, code2, signal) {
    if (this.emitted[ev]) {
      return false;
    }
    this.emitted[ev] = true;
    let ret = false;
    for (const fn of this.listeners[ev]) {
      ret = fn(code2, signal) === true || ret;
    }
    if (ev === "exit") {
      ret = this.emit("afterExit", code2, signal) || ret;
    }
    return ret;
  }
};
var SignalExitBase = class {
};
var signalExitWrap = (handler) => {
  return {
    onExit(cb, opts) {
      return handler.onExit(cb, opts);
    },
    load() {
      return handler.load();
    },
    unload() {
      return handler.unload();
    }
  };
};
var SignalExitFallback = class extends SignalExitBase {
  onExit() {
    return () => {
    };
  }
  load() {
  }
  unload() {
  }
};
var SignalExit = class extends SignalExitBase {
  // "SIGHUP" throws an `ENOSYS` error on Windows,
  // so use a supported signal instead
  /* c8 ignore start */
  #hupSig = process9.platform === "win32" ? "SIGINT" : "SIGHUP";
  /* c8 ignore stop */
  #emitter = new Emitter();
  #process;
  #originalProcessEmit;
  #originalProcessReallyExit;
  #sigListeners = {};
  #loaded = false;
  constructor(process10) {
    super();
    this.#process = process10;
    this.#sigListeners = {};
    for (const sig of signals) {
      this.#sigListeners[sig] = () => {
        const listeners = this.#process.listeners(sig);
        let { count: count2 } = this.#emitter;
        const p = process10;
        if (typeof p.__signal_exit_emitter__ === "object" && typeof p.__signal_exit_emitter__.count === "number") {
          count2 += p.__signal_exit_emitter__.count;
        }
        if (listeners.length === count2) {
          this.unload();
          const ret = this.#emitter.emit("exit", null, sig);
          const s = sig === "SIGHUP" ? this.#hupSig : sig;
          if (!ret)
            process10.kill(process10.pid, s);
        }
      };
    }
    this.#originalProcessReallyExit = process10.reallyExit;
    this.#originalProcessEmit = process10.emit;
  }
  onExit(cb, opts) {
    if (!processOk(this.#process)) {
      return () => {
      };
    }
    if (this.#loaded === false) {
      this.load();
    }
    const ev = opts?.alwaysLast ? "afterExit" : "exit";
    this.#emitter.on(ev, cb);
    return () => {
      this.#emitter.removeListener(ev, cb);
      if (this.#emitter.listeners["exit"].length === 0 && this.#emitter.listeners["afterExit"].length === 0) {
        this.unload();
      }
    };
  }
  load() {
    if (this.#loaded) {
      return;
    }
    this.#loaded = true;
    this.#emitter.count += 1;
    for (const sig of signals) {
      try {
        const fn = this.#sigListeners[sig];
        if (fn)
          this.#process.on(sig, fn);
      } catch (_) {
      }
    }
    this.#process.emit = (ev, ...a2) => {
      return this.#processEmit(ev, ...a2);
    };
    this.#process.reallyExit = (code2) => {
      return this.#processReallyExit(code2);
    };
  }
  unload() {
    if (!this.#loaded) {
      return;
    }
    this.#loaded = false;
    signals.forEach((sig) => {
      const listener = this.#sigListeners[sig];
      if (!listener) {
        throw new Error("Listener not defined for signal: " + sig);
      }
      try {
        this.#process.removeListener(sig, listener);
      } catch (_) {
      }
    });
    this.#process.emit = this.#originalProcessEmit;
    this.#process.reallyExit = this.#originalProcessReallyExit;
    this.#emitter.count -= 1;
  }
  #processReallyExit(code2) {
    if (!processOk(this.#process)) {
      return 0;
    }
    this.#process.exitCode = code2 || 0;
    this.#emitter.emit("exit", this.#process.exitCode, null);
    return this.#originalProcessReallyExit.call(this.#process, this.#process.exitCode);
  }
  #processEmit(ev, ...args) {
    const og = this.#originalProcessEmit;
    if (ev === "exit" && processOk(this.#process)) {
      if (typeof args[0] === "number") {
        this.#process.exitCode = args[0];
      }
      const ret = og.call(this.#process, ev, ...args);
      this.#emitter.emit("exit", this.#process.exitCode, null);
      return ret;
    } else {
      return og.call(this.#process, ev, ...args);
    }
  }
};
var process9 = globalThis.process;
var {
  /**
   * Called when the process is exiting, whether via signal, explicit
   * exit, or running out of stuff to do.
   *
   * If the global process object is not suitable for instrumentation,
   * then this will be a no-op.
   *
   * Returns a function that may be used to unload signal-exit.
   */
  onExit: onExit2,
  /**
   * Load the listeners.  Likely you never need to call this, unless
   * doing a rather deep integration with signal-exit functionality.
   * Mostly exposed for the benefit of testing.
   *
   * @internal
   */
  load,
  /**
   * Unload the listeners.  Likely you never need to call this, unless
   * doing a rather deep integration with signal-exit functionality.
   * Mostly exposed for the benefit of testing.
   *
   * @internal
   */
  unload
} = signalExitWrap(processOk(process9) ? new SignalExit(process9) : new SignalExitFallback());

// node_modules/execa/lib/terminate/cleanup.js
var cleanupOnExit = (subprocess, { cleanup, detached }, { signal }) => {
  if (!cleanup || detached) {
    return;
  }
  const removeExitHandler = onExit2(() => {
    subprocess.kill();
  });
  addAbortListener2(signal, () => {
    removeExitHandler();
  });
};

// node_modules/execa/lib/pipe/pipe-arguments.js
var normalizePipeArguments = ({ source, sourcePromise, boundOptions, createNested }, ...pipeArguments) => {
  const startTime = getStartTime();
  const {
    destination,
    destinationStream,
    destinationError,
    from,
    unpipeSignal
  } = getDestinationStream(boundOptions, createNested, pipeArguments);
  const { sourceStream, sourceError } = getSourceStream(source, from);
  const { options: sourceOptions, fileDescriptors } = SUBPROCESS_OPTIONS.get(source);
  return {
    sourcePromise,
    sourceStream,
    sourceOptions,
    sourceError,
    destination,
    destinationStream,
    destinationError,
    unpipeSignal,
    fileDescriptors,
    startTime
  };
};
var getDestinationStream = (boundOptions, createNested, pipeArguments) => {
  try {
    const {
      destination,
      pipeOptions: { from, to, unpipeSignal } = {}
    } = getDestination(boundOptions, createNested, ...pipeArguments);
    const destinationStream = getToStream(destination, to);
    return {
      destination,
      destinationStream,
      from,
      unpipeSignal
    };
  } catch (error) {
    return { destinationError: error };
  }
};
var getDestination = (boundOptions, createNested, firstArgument, ...pipeArguments) => {
  if (Array.isArray(firstArgument)) {
    const destination = createNested(mapDestinationArguments, boundOptions)(firstArgument, ...pipeArguments);
    return { destination, pipeOptions: boundOptions };
  }
  if (typeof firstArgument === "string" || firstArgument instanceof URL || isDenoExecPath(firstArgument)) {
    if (Object.keys(boundOptions).length > 0) {
      throw new TypeError('Please use .pipe("file", ..., options) or .pipe(execa("file", ..., options)) instead of .pipe(options)("file", ...).');
    }
    const [rawFile, rawArguments, rawOptions] = normalizeParameters(firstArgument, ...pipeArguments);
    const destination = createNested(mapDestinationArguments)(rawFile, rawArguments, rawOptions);
    return { destination, pipeOptions: rawOptions };
  }
  if (SUBPROCESS_OPTIONS.has(firstArgument)) {
    if (Object.keys(boundOptions).length > 0) {
      throw new TypeError("Please use .pipe(options)`command` or .pipe($(options)`command`) instead of .pipe(options)($`command`).");
    }
    return { destination: firstArgument, pipeOptions: pipeArguments[0] };
  }
  throw new TypeError(`The first argument must be a template string, an options object, or an Execa subprocess: ${firstArgument}`);
};
var mapDestinationArguments = ({ options }) => ({ options: { ...options, stdin: "pipe", piped: true } });
var getSourceStream = (source, from) => {
  try {
    const sourceStream = getFromStream(source, from);
    return { sourceStream };
  } catch (error) {
    return { sourceError: error };
  }
};

// node_modules/execa/lib/pipe/throw.js
var handlePipeArgumentsError = ({
  sourceStream,
  sourceError,
  destinationStream,
  destinationError,
  fileDescriptors,
  sourceOptions,
  startTime
}) => {
  const error = getPipeArgumentsError({
    sourceStream,
    sourceError,
    destinationStream,
    destinationError
  });
  if (error !== void 0) {
    throw createNonCommandError({
      error,
      fileDescriptors,
      sourceOptions,
      startTime
    });
  }
};
var getPipeArgumentsError = ({ sourceStream, sourceError, destinationStream, destinationError }) => {
  if (sourceError !== void 0 && destinationError !== void 0) {
    return destinationError;
  }
  if (destinationError !== void 0) {
    abortSourceStream(sourceStream);
    return destinationError;
  }
  if (sourceError !== void 0) {
    endDestinationStream(destinationStream);
    return sourceError;
  }
};
var createNonCommandError = ({ error, fileDescriptors, sourceOptions, startTime }) => makeEarlyError({
  error,
  command: PIPE_COMMAND_MESSAGE,
  escapedCommand: PIPE_COMMAND_MESSAGE,
  fileDescriptors,
  options: sourceOptions,
  startTime,
  isSync: false
});
var PIPE_COMMAND_MESSAGE = "source.pipe(destination)";

// node_modules/execa/lib/pipe/sequence.js
var waitForBothSubprocesses = async (subprocessPromises) => {
  const [
    { status: sourceStatus, reason: sourceReason, value: sourceResult = sourceReason },
    { status: destinationStatus, reason: destinationReason, value: destinationResult = destinationReason }
  ] = await subprocessPromises;
  if (!destinationResult.pipedFrom.includes(sourceResult)) {
    destinationResult.pipedFrom.push(sourceResult);
  }
  if (destinationStatus === "rejected") {
    throw destinationResult;
  }
  if (sourceStatus === "rejected") {
    throw sourceResult;
  }
  return destinationResult;
};

// node_modules/execa/lib/pipe/streaming.js
import { finished as finished4 } from "node:stream/promises";
var pipeSubprocessStream = (sourceStream, destinationStream, maxListenersController) => {
  const mergedStream = MERGED_STREAMS.has(destinationStream) ? pipeMoreSubprocessStream(sourceStream, destinationStream) : pipeFirstSubprocessStream(sourceStream, destinationStream);
  incrementMaxListeners(sourceStream, SOURCE_LISTENERS_PER_PIPE, maxListenersController.signal);
  incrementMaxListeners(destinationStream, DESTINATION_LISTENERS_PER_PIPE, maxListenersController.signal);
  cleanupMergedStreamsMap(destinationStream);
  return mergedStream;
};
var pipeFirstSubprocessStream = (sourceStream, destinationStream) => {
  const mergedStream = mergeStreams([sourceStream]);
  pipeStreams(mergedStream, destinationStream);
  MERGED_STREAMS.set(destinationStream, mergedStream);
  return mergedStream;
};
var pipeMoreSubprocessStream = (sourceStream, destinationStream) => {
  const mergedStream = MERGED_STREAMS.get(destinationStream);
  mergedStream.add(sourceStream);
  return mergedStream;
};
var cleanupMergedStreamsMap = async (destinationStream) => {
  try {
    await finished4(destinationStream, { cleanup: true, readable: false, writable: true });
  } catch {
  }
  MERGED_STREAMS.delete(destinationStream);
};
var MERGED_STREAMS = /* @__PURE__ */ new WeakMap();
var SOURCE_LISTENERS_PER_PIPE = 2;
var DESTINATION_LISTENERS_PER_PIPE = 1;

// node_modules/execa/lib/pipe/abort.js
import { aborted } from "node:util";
var unpipeOnAbort = (unpipeSignal, unpipeContext) => unpipeSignal === void 0 ? [] : [unpipeOnSignalAbort(unpipeSignal, unpipeContext)];
var unpipeOnSignalAbort = async (unpipeSignal, { sourceStream, mergedStream, fileDescriptors, sourceOptions, startTime }) => {
  await aborted(unpipeSignal, sourceStream);
  await mergedStream.remove(sourceStream);
  const error = new Error("Pipe canceled by `unpipeSignal` option.");
  throw createNonCommandError({
    error,
    fileDescriptors,
    sourceOptions,
    startTime
  });
};

// node_modules/execa/lib/pipe/setup.js
var pipeToSubprocess = (sourceInfo, ...pipeArguments) => {
  if (isPlainObject(pipeArguments[0])) {
    return pipeToSubprocess.bind(void 0, {
      ...sourceInfo,
      boundOptions: { ...sourceInfo.boundOptions, ...pipeArguments[0] }
    });
  }
  const { destination, ...normalizedInfo } = normalizePipeArguments(sourceInfo, ...pipeArguments);
  const promise = handlePipePromise({ ...normalizedInfo, destination });
  promise.pipe = pipeToSubprocess.bind(void 0, {
    ...sourceInfo,
    source: destination,
    sourcePromise: promise,
    boundOptions: {}
  });
  return promise;
};
var handlePipePromise = async ({
  sourcePromise,
  sourceStream,
  sourceOptions,
  sourceError,
  destination,
  destinationStream,
  destinationError,
  unpipeSignal,
  fileDescriptors,
  startTime
}) => {
  const subprocessPromises = getSubprocessPromises(sourcePromise, destination);
  handlePipeArgumentsError({
    sourceStream,
    sourceError,
    destinationStream,
    destinationError,
    fileDescriptors,
    sourceOptions,
    startTime
  });
  const maxListenersController = new AbortController();
  try {
    const mergedStream = pipeSubprocessStream(sourceStream, destinationStream, maxListenersController);
    return await Promise.race([
      waitForBothSubprocesses(subprocessPromises),
      ...unpipeOnAbort(unpipeSignal, {
        sourceStream,
        mergedStream,
        sourceOptions,
        fileDescriptors,
        startTime
      })
    ]);
  } finally {
    maxListenersController.abort();
  }
};
var getSubprocessPromises = (sourcePromise, destination) => Promise.allSettled([sourcePromise, destination]);

// node_modules/execa/lib/io/contents.js
import { setImmediate } from "node:timers/promises";

// node_modules/execa/lib/io/iterate.js
import { on as on5 } from "node:events";
import { getDefaultHighWaterMark as getDefaultHighWaterMark3 } from "node:stream";
var iterateOnSubprocessStream = ({ subprocessStdout, subprocess, binary, shouldEncode, encoding, preserveNewlines }) => {
  const controller = new AbortController();
  stopReadingOnExit(subprocess, controller);
  return iterateOnStream({
    stream: subprocessStdout,
    controller,
    binary,
    shouldEncode: !subprocessStdout.readableObjectMode && shouldEncode,
    encoding,
    shouldSplit: !subprocessStdout.readableObjectMode,
    preserveNewlines
  });
};
var stopReadingOnExit = async (subprocess, controller) => {
  try {
    await subprocess;
  } catch {
  } finally {
    controller.abort();
  }
};
var iterateForResult = ({ stream, onStreamEnd, lines: lines2, encoding, stripFinalNewline: stripFinalNewline2, allMixed }) => {
  const controller = new AbortController();
  stopReadingOnStreamEnd(onStreamEnd, controller, stream);
  const objectMode = stream.readableObjectMode && !allMixed;
  return iterateOnStream({
    stream,
    controller,
    binary: encoding === "buffer",
    shouldEncode: !objectMode,
    encoding,
    shouldSplit: !objectMode && lines2,
    preserveNewlines: !stripFinalNewline2
  });
};
var stopReadingOnStreamEnd = async (onStreamEnd, controller, stream) => {
  try {
    await onStreamEnd;
  } catch {
    stream.destroy();
  } finally {
    controller.abort();
  }
};
var iterateOnStream = ({ stream, controller, binary, shouldEncode, encoding, shouldSplit, preserveNewlines }) => {
  const onStdoutChunk = on5(stream, "data", {
    signal: controller.signal,
    highWaterMark: HIGH_WATER_MARK,
    // Backward compatibility with older name for this option
    // See https://github.com/nodejs/node/pull/52080#discussion_r1525227861
    // @todo Remove after removing support for Node 21
    highWatermark: HIGH_WATER_MARK
  });
  return iterateOnData({
    onStdoutChunk,
    controller,
    binary,
    shouldEncode,
    encoding,
    shouldSplit,
    preserveNewlines
  });
};
var DEFAULT_OBJECT_HIGH_WATER_MARK = getDefaultHighWaterMark3(true);
var HIGH_WATER_MARK = DEFAULT_OBJECT_HIGH_WATER_MARK;
var iterateOnData = async function* ({ onStdoutChunk, controller, binary, shouldEncode, encoding, shouldSplit, preserveNewlines }) {
  const generators = getGenerators({
    binary,
    shouldEncode,
    encoding,
    shouldSplit,
    preserveNewlines
  });
  try {
    for await (const [chunk] of onStdoutChunk) {
      yield* transformChunkSync(chunk, generators, 0);
    }
  } catch (error) {
    if (!controller.signal.aborted) {
      throw error;
    }
  } finally {
    yield* finalChunksSync(generators);
  }
};
var getGenerators = ({ binary, shouldEncode, encoding, shouldSplit, preserveNewlines }) => [
  getEncodingTransformGenerator(binary, encoding, !shouldEncode),
  getSplitLinesGenerator(binary, preserveNewlines, !shouldSplit, {})
].filter(Boolean);

// node_modules/execa/lib/io/contents.js
var getStreamOutput = async ({ stream, onStreamEnd, fdNumber, encoding, buffer, maxBuffer, lines: lines2, allMixed, stripFinalNewline: stripFinalNewline2, verboseInfo, streamInfo }) => {
  const logPromise = logOutputAsync({
    stream,
    onStreamEnd,
    fdNumber,
    encoding,
    allMixed,
    verboseInfo,
    streamInfo
  });
  if (!buffer) {
    await Promise.all([resumeStream(stream), logPromise]);
    return;
  }
  const stripFinalNewlineValue = getStripFinalNewline(stripFinalNewline2, fdNumber);
  const iterable = iterateForResult({
    stream,
    onStreamEnd,
    lines: lines2,
    encoding,
    stripFinalNewline: stripFinalNewlineValue,
    allMixed
  });
  const [output] = await Promise.all([
    getStreamContents2({
      stream,
      iterable,
      fdNumber,
      encoding,
      maxBuffer,
      lines: lines2
    }),
    logPromise
  ]);
  return output;
};
var logOutputAsync = async ({ stream, onStreamEnd, fdNumber, encoding, allMixed, verboseInfo, streamInfo: { fileDescriptors } }) => {
  if (!shouldLogOutput({
    stdioItems: fileDescriptors[fdNumber]?.stdioItems,
    encoding,
    verboseInfo,
    fdNumber
  })) {
    return;
  }
  const linesIterable = iterateForResult({
    stream,
    onStreamEnd,
    lines: true,
    encoding,
    stripFinalNewline: true,
    allMixed
  });
  await logLines(linesIterable, stream, fdNumber, verboseInfo);
};
var resumeStream = async (stream) => {
  await setImmediate();
  if (stream.readableFlowing === null) {
    stream.resume();
  }
};
var getStreamContents2 = async ({ stream, stream: { readableObjectMode }, iterable, fdNumber, encoding, maxBuffer, lines: lines2 }) => {
  try {
    if (readableObjectMode || lines2) {
      return await getStreamAsArray(iterable, { maxBuffer });
    }
    if (encoding === "buffer") {
      return new Uint8Array(await getStreamAsArrayBuffer(iterable, { maxBuffer }));
    }
    return await getStreamAsString(iterable, { maxBuffer });
  } catch (error) {
    return handleBufferedData(handleMaxBuffer({
      error,
      stream,
      readableObjectMode,
      lines: lines2,
      encoding,
      fdNumber
    }));
  }
};
var getBufferedData = async (streamPromise) => {
  try {
    return await streamPromise;
  } catch (error) {
    return handleBufferedData(error);
  }
};
var handleBufferedData = ({ bufferedData }) => isArrayBuffer(bufferedData) ? new Uint8Array(bufferedData) : bufferedData;

// node_modules/execa/lib/resolve/wait-stream.js
import { finished as finished5 } from "node:stream/promises";
var waitForStream = async (stream, fdNumber, streamInfo, { isSameDirection, stopOnExit = false } = {}) => {
  const state = handleStdinDestroy(stream, streamInfo);
  const abortController = new AbortController();
  try {
    await Promise.race([
      ...stopOnExit ? [streamInfo.exitPromise] : [],
      finished5(stream, { cleanup: true, signal: abortController.signal })
    ]);
  } catch (error) {
    if (!state.stdinCleanedUp) {
      handleStreamError(error, fdNumber, streamInfo, isSameDirection);
    }
  } finally {
    abortController.abort();
  }
};
var handleStdinDestroy = (stream, { originalStreams: [originalStdin], subprocess }) => {
  const state = { stdinCleanedUp: false };
  if (stream === originalStdin) {
    spyOnStdinDestroy(stream, subprocess, state);
  }
  return state;
};
var spyOnStdinDestroy = (subprocessStdin, subprocess, state) => {
  const { _destroy } = subprocessStdin;
  subprocessStdin._destroy = (...destroyArguments) => {
    setStdinCleanedUp(subprocess, state);
    _destroy.call(subprocessStdin, ...destroyArguments);
  };
};
var setStdinCleanedUp = ({ exitCode, signalCode }, state) => {
  if (exitCode !== null || signalCode !== null) {
    state.stdinCleanedUp = true;
  }
};
var handleStreamError = (error, fdNumber, streamInfo, isSameDirection) => {
  if (!shouldIgnoreStreamError(error, fdNumber, streamInfo, isSameDirection)) {
    throw error;
  }
};
var shouldIgnoreStreamError = (error, fdNumber, streamInfo, isSameDirection = true) => {
  if (streamInfo.propagating) {
    return isStreamEpipe(error) || isStreamAbort(error);
  }
  streamInfo.propagating = true;
  return isInputFileDescriptor(streamInfo, fdNumber) === isSameDirection ? isStreamEpipe(error) : isStreamAbort(error);
};
var isInputFileDescriptor = ({ fileDescriptors }, fdNumber) => fdNumber !== "all" && fileDescriptors[fdNumber].direction === "input";
var isStreamAbort = (error) => error?.code === "ERR_STREAM_PREMATURE_CLOSE";
var isStreamEpipe = (error) => error?.code === "EPIPE";

// node_modules/execa/lib/resolve/stdio.js
var waitForStdioStreams = ({ subprocess, encoding, buffer, maxBuffer, lines: lines2, stripFinalNewline: stripFinalNewline2, verboseInfo, streamInfo }) => subprocess.stdio.map((stream, fdNumber) => waitForSubprocessStream({
  stream,
  fdNumber,
  encoding,
  buffer: buffer[fdNumber],
  maxBuffer: maxBuffer[fdNumber],
  lines: lines2[fdNumber],
  allMixed: false,
  stripFinalNewline: stripFinalNewline2,
  verboseInfo,
  streamInfo
}));
var waitForSubprocessStream = async ({ stream, fdNumber, encoding, buffer, maxBuffer, lines: lines2, allMixed, stripFinalNewline: stripFinalNewline2, verboseInfo, streamInfo }) => {
  if (!stream) {
    return;
  }
  const onStreamEnd = waitForStream(stream, fdNumber, streamInfo);
  if (isInputFileDescriptor(streamInfo, fdNumber)) {
    await onStreamEnd;
    return;
  }
  const [output] = await Promise.all([
    getStreamOutput({
      stream,
      onStreamEnd,
      fdNumber,
      encoding,
      buffer,
      maxBuffer,
      lines: lines2,
      allMixed,
      stripFinalNewline: stripFinalNewline2,
      verboseInfo,
      streamInfo
    }),
    onStreamEnd
  ]);
  return output;
};

// node_modules/execa/lib/resolve/all-async.js
var makeAllStream = ({ stdout, stderr }, { all }) => all && (stdout || stderr) ? mergeStreams([stdout, stderr].filter(Boolean)) : void 0;
var waitForAllStream = ({ subprocess, encoding, buffer, maxBuffer, lines: lines2, stripFinalNewline: stripFinalNewline2, verboseInfo, streamInfo }) => waitForSubprocessStream({
  ...getAllStream(subprocess, buffer),
  fdNumber: "all",
  encoding,
  maxBuffer: maxBuffer[1] + maxBuffer[2],
  lines: lines2[1] || lines2[2],
  allMixed: getAllMixed(subprocess),
  stripFinalNewline: stripFinalNewline2,
  verboseInfo,
  streamInfo
});
var getAllStream = ({ stdout, stderr, all }, [, bufferStdout, bufferStderr]) => {
  const buffer = bufferStdout || bufferStderr;
  if (!buffer) {
    return { stream: all, buffer };
  }
  if (!bufferStdout) {
    return { stream: stderr, buffer };
  }
  if (!bufferStderr) {
    return { stream: stdout, buffer };
  }
  return { stream: all, buffer };
};
var getAllMixed = ({ all, stdout, stderr }) => all && stdout && stderr && stdout.readableObjectMode !== stderr.readableObjectMode;

// node_modules/execa/lib/resolve/wait-subprocess.js
import { once as once8 } from "node:events";

// node_modules/execa/lib/verbose/ipc.js
var shouldLogIpc = (verboseInfo) => isFullVerbose(verboseInfo, "ipc");
var logIpcOutput = (message, verboseInfo) => {
  const verboseMessage = serializeVerboseMessage(message);
  verboseLog({
    type: "ipc",
    verboseMessage,
    fdNumber: "ipc",
    verboseInfo
  });
};

// node_modules/execa/lib/ipc/buffer-messages.js
var waitForIpcOutput = async ({
  subprocess,
  buffer: bufferArray,
  maxBuffer: maxBufferArray,
  ipc,
  ipcOutput,
  verboseInfo
}) => {
  if (!ipc) {
    return ipcOutput;
  }
  const isVerbose2 = shouldLogIpc(verboseInfo);
  const buffer = getFdSpecificValue(bufferArray, "ipc");
  const maxBuffer = getFdSpecificValue(maxBufferArray, "ipc");
  for await (const message of loopOnMessages({
    anyProcess: subprocess,
    channel: subprocess.channel,
    isSubprocess: false,
    ipc,
    shouldAwait: false,
    reference: true
  })) {
    if (buffer) {
      checkIpcMaxBuffer(subprocess, ipcOutput, maxBuffer);
      ipcOutput.push(message);
    }
    if (isVerbose2) {
      logIpcOutput(message, verboseInfo);
    }
  }
  return ipcOutput;
};
var getBufferedIpcOutput = async (ipcOutputPromise, ipcOutput) => {
  await Promise.allSettled([ipcOutputPromise]);
  return ipcOutput;
};

// node_modules/execa/lib/resolve/wait-subprocess.js
var waitForSubprocessResult = async ({
  subprocess,
  options: {
    encoding,
    buffer,
    maxBuffer,
    lines: lines2,
    timeoutDuration: timeout,
    cancelSignal,
    gracefulCancel,
    forceKillAfterDelay,
    stripFinalNewline: stripFinalNewline2,
    ipc,
    ipcInput
  },
  context,
  verboseInfo,
  fileDescriptors,
  originalStreams,
  onInternalError,
  controller
}) => {
  const exitPromise = waitForExit(subprocess, context);
  const streamInfo = {
    originalStreams,
    fileDescriptors,
    subprocess,
    exitPromise,
    propagating: false
  };
  const stdioPromises = waitForStdioStreams({
    subprocess,
    encoding,
    buffer,
    maxBuffer,
    lines: lines2,
    stripFinalNewline: stripFinalNewline2,
    verboseInfo,
    streamInfo
  });
  const allPromise = waitForAllStream({
    subprocess,
    encoding,
    buffer,
    maxBuffer,
    lines: lines2,
    stripFinalNewline: stripFinalNewline2,
    verboseInfo,
    streamInfo
  });
  const ipcOutput = [];
  const ipcOutputPromise = waitForIpcOutput({
    subprocess,
    buffer,
    maxBuffer,
    ipc,
    ipcOutput,
    verboseInfo
  });
  const originalPromises = waitForOriginalStreams(originalStreams, subprocess, streamInfo);
  const customStreamsEndPromises = waitForCustomStreamsEnd(fileDescriptors, streamInfo);
  try {
    return await Promise.race([
      Promise.all([
        {},
        waitForSuccessfulExit(exitPromise),
        Promise.all(stdioPromises),
        allPromise,
        ipcOutputPromise,
        sendIpcInput(subprocess, ipcInput),
        ...originalPromises,
        ...customStreamsEndPromises
      ]),
      onInternalError,
      throwOnSubprocessError(subprocess, controller),
      ...throwOnTimeout(subprocess, timeout, context, controller),
      ...throwOnCancel({
        subprocess,
        cancelSignal,
        gracefulCancel,
        context,
        controller
      }),
      ...throwOnGracefulCancel({
        subprocess,
        cancelSignal,
        gracefulCancel,
        forceKillAfterDelay,
        context,
        controller
      })
    ]);
  } catch (error) {
    context.terminationReason ??= "other";
    return Promise.all([
      { error },
      exitPromise,
      Promise.all(stdioPromises.map((stdioPromise) => getBufferedData(stdioPromise))),
      getBufferedData(allPromise),
      getBufferedIpcOutput(ipcOutputPromise, ipcOutput),
      Promise.allSettled(originalPromises),
      Promise.allSettled(customStreamsEndPromises)
    ]);
  }
};
var waitForOriginalStreams = (originalStreams, subprocess, streamInfo) => originalStreams.map((stream, fdNumber) => stream === subprocess.stdio[fdNumber] ? void 0 : waitForStream(stream, fdNumber, streamInfo));
var waitForCustomStreamsEnd = (fileDescriptors, streamInfo) => fileDescriptors.flatMap(({ stdioItems }, fdNumber) => stdioItems.filter(({ value, stream = value }) => isStream2(stream, { checkOpen: false }) && !isStandardStream(stream)).map(({ type, value, stream = value }) => waitForStream(stream, fdNumber, streamInfo, {
  isSameDirection: TRANSFORM_TYPES.has(type),
  stopOnExit: type === "native"
})));
var throwOnSubprocessError = async (subprocess, { signal }) => {
  const [error] = await once8(subprocess, "error", { signal });
  throw error;
};

// node_modules/execa/lib/convert/concurrent.js
var initializeConcurrentStreams = () => ({
  readableDestroy: /* @__PURE__ */ new WeakMap(),
  writableFinal: /* @__PURE__ */ new WeakMap(),
  writableDestroy: /* @__PURE__ */ new WeakMap()
});
var addConcurrentStream = (concurrentStreams, stream, waitName) => {
  const weakMap = concurrentStreams[waitName];
  if (!weakMap.has(stream)) {
    weakMap.set(stream, []);
  }
  const promises = weakMap.get(stream);
  const promise = createDeferred();
  promises.push(promise);
  const resolve8 = promise.resolve.bind(promise);
  return { resolve: resolve8, promises };
};
var waitForConcurrentStreams = async ({ resolve: resolve8, promises }, subprocess) => {
  resolve8();
  const [isSubprocessExit] = await Promise.race([
    Promise.allSettled([true, subprocess]),
    Promise.all([false, ...promises])
  ]);
  return !isSubprocessExit;
};

// node_modules/execa/lib/convert/readable.js
import { Readable as Readable3 } from "node:stream";
import { callbackify as callbackify2 } from "node:util";

// node_modules/execa/lib/convert/shared.js
import { finished as finished6 } from "node:stream/promises";
var safeWaitForSubprocessStdin = async (subprocessStdin) => {
  if (subprocessStdin === void 0) {
    return;
  }
  try {
    await waitForSubprocessStdin(subprocessStdin);
  } catch {
  }
};
var safeWaitForSubprocessStdout = async (subprocessStdout) => {
  if (subprocessStdout === void 0) {
    return;
  }
  try {
    await waitForSubprocessStdout(subprocessStdout);
  } catch {
  }
};
var waitForSubprocessStdin = async (subprocessStdin) => {
  await finished6(subprocessStdin, { cleanup: true, readable: false, writable: true });
};
var waitForSubprocessStdout = async (subprocessStdout) => {
  await finished6(subprocessStdout, { cleanup: true, readable: true, writable: false });
};
var waitForSubprocess = async (subprocess, error) => {
  await subprocess;
  if (error) {
    throw error;
  }
};
var destroyOtherStream = (stream, isOpen, error) => {
  if (error && !isStreamAbort(error)) {
    stream.destroy(error);
  } else if (isOpen) {
    stream.destroy();
  }
};

// node_modules/execa/lib/convert/readable.js
var createReadable = ({ subprocess, concurrentStreams, encoding }, { from, binary: binaryOption = true, preserveNewlines = true } = {}) => {
  const binary = binaryOption || BINARY_ENCODINGS.has(encoding);
  const { subprocessStdout, waitReadableDestroy } = getSubprocessStdout(subprocess, from, concurrentStreams);
  const { readableEncoding, readableObjectMode, readableHighWaterMark } = getReadableOptions(subprocessStdout, binary);
  const { read, onStdoutDataDone } = getReadableMethods({
    subprocessStdout,
    subprocess,
    binary,
    encoding,
    preserveNewlines
  });
  const readable2 = new Readable3({
    read,
    destroy: callbackify2(onReadableDestroy.bind(void 0, { subprocessStdout, subprocess, waitReadableDestroy })),
    highWaterMark: readableHighWaterMark,
    objectMode: readableObjectMode,
    encoding: readableEncoding
  });
  onStdoutFinished({
    subprocessStdout,
    onStdoutDataDone,
    readable: readable2,
    subprocess
  });
  return readable2;
};
var getSubprocessStdout = (subprocess, from, concurrentStreams) => {
  const subprocessStdout = getFromStream(subprocess, from);
  const waitReadableDestroy = addConcurrentStream(concurrentStreams, subprocessStdout, "readableDestroy");
  return { subprocessStdout, waitReadableDestroy };
};
var getReadableOptions = ({ readableEncoding, readableObjectMode, readableHighWaterMark }, binary) => binary ? { readableEncoding, readableObjectMode, readableHighWaterMark } : { readableEncoding, readableObjectMode: true, readableHighWaterMark: DEFAULT_OBJECT_HIGH_WATER_MARK };
var getReadableMethods = ({ subprocessStdout, subprocess, binary, encoding, preserveNewlines }) => {
  const onStdoutDataDone = createDeferred();
  const onStdoutData = iterateOnSubprocessStream({
    subprocessStdout,
    subprocess,
    binary,
    shouldEncode: !binary,
    encoding,
    preserveNewlines
  });
  return {
    read() {
      onRead(this, onStdoutData, onStdoutDataDone);
    },
    onStdoutDataDone
  };
};
var onRead = async (readable2, onStdoutData, onStdoutDataDone) => {
  try {
    const { value, done } = await onStdoutData.next();
    if (done) {
      onStdoutDataDone.resolve();
    } else {
      readable2.push(value);
    }
  } catch {
  }
};
var onStdoutFinished = async ({ subprocessStdout, onStdoutDataDone, readable: readable2, subprocess, subprocessStdin }) => {
  try {
    await waitForSubprocessStdout(subprocessStdout);
    await subprocess;
    await safeWaitForSubprocessStdin(subprocessStdin);
    await onStdoutDataDone;
    if (readable2.readable) {
      readable2.push(null);
    }
  } catch (error) {
    await safeWaitForSubprocessStdin(subprocessStdin);
    destroyOtherReadable(readable2, error);
  }
};
var onReadableDestroy = async ({ subprocessStdout, subprocess, waitReadableDestroy }, error) => {
  if (await waitForConcurrentStreams(waitReadableDestroy, subprocess)) {
    destroyOtherReadable(subprocessStdout, error);
    await waitForSubprocess(subprocess, error);
  }
};
var destroyOtherReadable = (stream, error) => {
  destroyOtherStream(stream, stream.readable, error);
};

// node_modules/execa/lib/convert/writable.js
import { Writable as Writable5 } from "node:stream";
import { callbackify as callbackify3 } from "node:util";
var createWritable = ({ subprocess, concurrentStreams }, { to } = {}) => {
  const { subprocessStdin, waitWritableFinal, waitWritableDestroy } = getSubprocessStdin(subprocess, to, concurrentStreams);
  const writable2 = new Writable5({
    ...getWritableMethods(subprocessStdin, subprocess, waitWritableFinal),
    destroy: callbackify3(onWritableDestroy.bind(void 0, {
      subprocessStdin,
      subprocess,
      waitWritableFinal,
      waitWritableDestroy
    })),
    highWaterMark: subprocessStdin.writableHighWaterMark,
    objectMode: subprocessStdin.writableObjectMode
  });
  onStdinFinished(subprocessStdin, writable2);
  return writable2;
};
var getSubprocessStdin = (subprocess, to, concurrentStreams) => {
  const subprocessStdin = getToStream(subprocess, to);
  const waitWritableFinal = addConcurrentStream(concurrentStreams, subprocessStdin, "writableFinal");
  const waitWritableDestroy = addConcurrentStream(concurrentStreams, subprocessStdin, "writableDestroy");
  return { subprocessStdin, waitWritableFinal, waitWritableDestroy };
};
var getWritableMethods = (subprocessStdin, subprocess, waitWritableFinal) => ({
  write: onWrite.bind(void 0, subprocessStdin),
  final: callbackify3(onWritableFinal.bind(void 0, subprocessStdin, subprocess, waitWritableFinal))
});
var onWrite = (subprocessStdin, chunk, encoding, done) => {
  if (subprocessStdin.write(chunk, encoding)) {
    done();
  } else {
    subprocessStdin.once("drain", done);
  }
};
var onWritableFinal = async (subprocessStdin, subprocess, waitWritableFinal) => {
  if (await waitForConcurrentStreams(waitWritableFinal, subprocess)) {
    if (subprocessStdin.writable) {
      subprocessStdin.end();
    }
    await subprocess;
  }
};
var onStdinFinished = async (subprocessStdin, writable2, subprocessStdout) => {
  try {
    await waitForSubprocessStdin(subprocessStdin);
    if (writable2.writable) {
      writable2.end();
    }
  } catch (error) {
    await safeWaitForSubprocessStdout(subprocessStdout);
    destroyOtherWritable(writable2, error);
  }
};
var onWritableDestroy = async ({ subprocessStdin, subprocess, waitWritableFinal, waitWritableDestroy }, error) => {
  await waitForConcurrentStreams(waitWritableFinal, subprocess);
  if (await waitForConcurrentStreams(waitWritableDestroy, subprocess)) {
    destroyOtherWritable(subprocessStdin, error);
    await waitForSubprocess(subprocess, error);
  }
};
var destroyOtherWritable = (stream, error) => {
  destroyOtherStream(stream, stream.writable, error);
};

// node_modules/execa/lib/convert/duplex.js
import { Duplex as Duplex3 } from "node:stream";
import { callbackify as callbackify4 } from "node:util";
var createDuplex = ({ subprocess, concurrentStreams, encoding }, { from, to, binary: binaryOption = true, preserveNewlines = true } = {}) => {
  const binary = binaryOption || BINARY_ENCODINGS.has(encoding);
  const { subprocessStdout, waitReadableDestroy } = getSubprocessStdout(subprocess, from, concurrentStreams);
  const { subprocessStdin, waitWritableFinal, waitWritableDestroy } = getSubprocessStdin(subprocess, to, concurrentStreams);
  const { readableEncoding, readableObjectMode, readableHighWaterMark } = getReadableOptions(subprocessStdout, binary);
  const { read, onStdoutDataDone } = getReadableMethods({
    subprocessStdout,
    subprocess,
    binary,
    encoding,
    preserveNewlines
  });
  const duplex2 = new Duplex3({
    read,
    ...getWritableMethods(subprocessStdin, subprocess, waitWritableFinal),
    destroy: callbackify4(onDuplexDestroy.bind(void 0, {
      subprocessStdout,
      subprocessStdin,
      subprocess,
      waitReadableDestroy,
      waitWritableFinal,
      waitWritableDestroy
    })),
    readableHighWaterMark,
    writableHighWaterMark: subprocessStdin.writableHighWaterMark,
    readableObjectMode,
    writableObjectMode: subprocessStdin.writableObjectMode,
    encoding: readableEncoding
  });
  onStdoutFinished({
    subprocessStdout,
    onStdoutDataDone,
    readable: duplex2,
    subprocess,
    subprocessStdin
  });
  onStdinFinished(subprocessStdin, duplex2, subprocessStdout);
  return duplex2;
};
var onDuplexDestroy = async ({ subprocessStdout, subprocessStdin, subprocess, waitReadableDestroy, waitWritableFinal, waitWritableDestroy }, error) => {
  await Promise.all([
    onReadableDestroy({ subprocessStdout, subprocess, waitReadableDestroy }, error),
    onWritableDestroy({
      subprocessStdin,
      subprocess,
      waitWritableFinal,
      waitWritableDestroy
    }, error)
  ]);
};

// node_modules/execa/lib/convert/iterable.js
var createIterable = (subprocess, encoding, {
  from,
  binary: binaryOption = false,
  preserveNewlines = false
} = {}) => {
  const binary = binaryOption || BINARY_ENCODINGS.has(encoding);
  const subprocessStdout = getFromStream(subprocess, from);
  const onStdoutData = iterateOnSubprocessStream({
    subprocessStdout,
    subprocess,
    binary,
    shouldEncode: true,
    encoding,
    preserveNewlines
  });
  return iterateOnStdoutData(onStdoutData, subprocessStdout, subprocess);
};
var iterateOnStdoutData = async function* (onStdoutData, subprocessStdout, subprocess) {
  try {
    yield* onStdoutData;
  } finally {
    if (subprocessStdout.readable) {
      subprocessStdout.destroy();
    }
    await subprocess;
  }
};

// node_modules/execa/lib/convert/add.js
var addConvertedStreams = (subprocess, { encoding }) => {
  const concurrentStreams = initializeConcurrentStreams();
  subprocess.readable = createReadable.bind(void 0, { subprocess, concurrentStreams, encoding });
  subprocess.writable = createWritable.bind(void 0, { subprocess, concurrentStreams });
  subprocess.duplex = createDuplex.bind(void 0, { subprocess, concurrentStreams, encoding });
  subprocess.iterable = createIterable.bind(void 0, subprocess, encoding);
  subprocess[Symbol.asyncIterator] = createIterable.bind(void 0, subprocess, encoding, {});
};

// node_modules/execa/lib/methods/promise.js
var mergePromise = (subprocess, promise) => {
  for (const [property, descriptor] of descriptors) {
    const value = descriptor.value.bind(promise);
    Reflect.defineProperty(subprocess, property, { ...descriptor, value });
  }
};
var nativePromisePrototype = (async () => {
})().constructor.prototype;
var descriptors = ["then", "catch", "finally"].map((property) => [
  property,
  Reflect.getOwnPropertyDescriptor(nativePromisePrototype, property)
]);

// node_modules/execa/lib/methods/main-async.js
var execaCoreAsync = (rawFile, rawArguments, rawOptions, createNested) => {
  const { file, commandArguments, command, escapedCommand, startTime, verboseInfo, options, fileDescriptors } = handleAsyncArguments(rawFile, rawArguments, rawOptions);
  const { subprocess, promise } = spawnSubprocessAsync({
    file,
    commandArguments,
    options,
    startTime,
    verboseInfo,
    command,
    escapedCommand,
    fileDescriptors
  });
  subprocess.pipe = pipeToSubprocess.bind(void 0, {
    source: subprocess,
    sourcePromise: promise,
    boundOptions: {},
    createNested
  });
  mergePromise(subprocess, promise);
  SUBPROCESS_OPTIONS.set(subprocess, { options, fileDescriptors });
  return subprocess;
};
var handleAsyncArguments = (rawFile, rawArguments, rawOptions) => {
  const { command, escapedCommand, startTime, verboseInfo } = handleCommand(rawFile, rawArguments, rawOptions);
  const { file, commandArguments, options: normalizedOptions } = normalizeOptions(rawFile, rawArguments, rawOptions);
  const options = handleAsyncOptions(normalizedOptions);
  const fileDescriptors = handleStdioAsync(options, verboseInfo);
  return {
    file,
    commandArguments,
    command,
    escapedCommand,
    startTime,
    verboseInfo,
    options,
    fileDescriptors
  };
};
var handleAsyncOptions = ({ timeout, signal, ...options }) => {
  if (signal !== void 0) {
    throw new TypeError('The "signal" option has been renamed to "cancelSignal" instead.');
  }
  return { ...options, timeoutDuration: timeout };
};
var spawnSubprocessAsync = ({ file, commandArguments, options, startTime, verboseInfo, command, escapedCommand, fileDescriptors }) => {
  let subprocess;
  try {
    subprocess = spawn4(...concatenateShell(file, commandArguments, options));
  } catch (error) {
    return handleEarlyError({
      error,
      command,
      escapedCommand,
      fileDescriptors,
      options,
      startTime,
      verboseInfo
    });
  }
  const controller = new AbortController();
  setMaxListeners(Number.POSITIVE_INFINITY, controller.signal);
  const originalStreams = [...subprocess.stdio];
  pipeOutputAsync(subprocess, fileDescriptors, controller);
  cleanupOnExit(subprocess, options, controller);
  const context = {};
  const onInternalError = createDeferred();
  subprocess.kill = subprocessKill.bind(void 0, {
    kill: subprocess.kill.bind(subprocess),
    options,
    onInternalError,
    context,
    controller
  });
  subprocess.all = makeAllStream(subprocess, options);
  addConvertedStreams(subprocess, options);
  addIpcMethods(subprocess, options);
  const promise = handlePromise({
    subprocess,
    options,
    startTime,
    verboseInfo,
    fileDescriptors,
    originalStreams,
    command,
    escapedCommand,
    context,
    onInternalError,
    controller
  });
  return { subprocess, promise };
};
var handlePromise = async ({ subprocess, options, startTime, verboseInfo, fileDescriptors, originalStreams, command, escapedCommand, context, onInternalError, controller }) => {
  const [
    errorInfo,
    [exitCode, signal],
    stdioResults,
    allResult,
    ipcOutput
  ] = await waitForSubprocessResult({
    subprocess,
    options,
    context,
    verboseInfo,
    fileDescriptors,
    originalStreams,
    onInternalError,
    controller
  });
  controller.abort();
  onInternalError.resolve();
  const stdio = stdioResults.map((stdioResult, fdNumber) => stripNewline(stdioResult, options, fdNumber));
  const all = stripNewline(allResult, options, "all");
  const result = getAsyncResult({
    errorInfo,
    exitCode,
    signal,
    stdio,
    all,
    ipcOutput,
    context,
    options,
    command,
    escapedCommand,
    startTime
  });
  return handleResult(result, verboseInfo, options);
};
var getAsyncResult = ({ errorInfo, exitCode, signal, stdio, all, ipcOutput, context, options, command, escapedCommand, startTime }) => "error" in errorInfo ? makeError({
  error: errorInfo.error,
  command,
  escapedCommand,
  timedOut: context.terminationReason === "timeout",
  isCanceled: context.terminationReason === "cancel" || context.terminationReason === "gracefulCancel",
  isGracefullyCanceled: context.terminationReason === "gracefulCancel",
  isMaxBuffer: errorInfo.error instanceof MaxBufferError,
  isForcefullyTerminated: context.isForcefullyTerminated,
  exitCode,
  signal,
  stdio,
  all,
  ipcOutput,
  options,
  startTime,
  isSync: false
}) : makeSuccessResult({
  command,
  escapedCommand,
  stdio,
  all,
  ipcOutput,
  options,
  startTime
});

// node_modules/execa/lib/methods/bind.js
var mergeOptions = (boundOptions, options) => {
  const newOptions = Object.fromEntries(
    Object.entries(options).map(([optionName, optionValue]) => [
      optionName,
      mergeOption(optionName, boundOptions[optionName], optionValue)
    ])
  );
  return { ...boundOptions, ...newOptions };
};
var mergeOption = (optionName, boundOptionValue, optionValue) => {
  if (DEEP_OPTIONS.has(optionName) && isPlainObject(boundOptionValue) && isPlainObject(optionValue)) {
    return { ...boundOptionValue, ...optionValue };
  }
  return optionValue;
};
var DEEP_OPTIONS = /* @__PURE__ */ new Set(["env", ...FD_SPECIFIC_OPTIONS]);

// node_modules/execa/lib/methods/create.js
var createExeca = (mapArguments, boundOptions, deepOptions, setBoundExeca) => {
  const createNested = (mapArguments2, boundOptions2, setBoundExeca2) => createExeca(mapArguments2, boundOptions2, deepOptions, setBoundExeca2);
  const boundExeca = (...execaArguments) => callBoundExeca({
    mapArguments,
    deepOptions,
    boundOptions,
    setBoundExeca,
    createNested
  }, ...execaArguments);
  if (setBoundExeca !== void 0) {
    setBoundExeca(boundExeca, createNested, boundOptions);
  }
  return boundExeca;
};
var callBoundExeca = ({ mapArguments, deepOptions = {}, boundOptions = {}, setBoundExeca, createNested }, firstArgument, ...nextArguments) => {
  if (isPlainObject(firstArgument)) {
    return createNested(mapArguments, mergeOptions(boundOptions, firstArgument), setBoundExeca);
  }
  const { file, commandArguments, options, isSync } = parseArguments({
    mapArguments,
    firstArgument,
    nextArguments,
    deepOptions,
    boundOptions
  });
  return isSync ? execaCoreSync(file, commandArguments, options) : execaCoreAsync(file, commandArguments, options, createNested);
};
var parseArguments = ({ mapArguments, firstArgument, nextArguments, deepOptions, boundOptions }) => {
  const callArguments = isTemplateString(firstArgument) ? parseTemplates(firstArgument, nextArguments) : [firstArgument, ...nextArguments];
  const [initialFile, initialArguments, initialOptions] = normalizeParameters(...callArguments);
  const mergedOptions = mergeOptions(mergeOptions(deepOptions, boundOptions), initialOptions);
  const {
    file = initialFile,
    commandArguments = initialArguments,
    options = mergedOptions,
    isSync = false
  } = mapArguments({ file: initialFile, commandArguments: initialArguments, options: mergedOptions });
  return {
    file,
    commandArguments,
    options,
    isSync
  };
};

// node_modules/execa/lib/methods/command.js
var mapCommandAsync = ({ file, commandArguments }) => parseCommand(file, commandArguments);
var mapCommandSync = ({ file, commandArguments }) => ({ ...parseCommand(file, commandArguments), isSync: true });
var parseCommand = (command, unusedArguments) => {
  if (unusedArguments.length > 0) {
    throw new TypeError(`The command and its arguments must be passed as a single string: ${command} ${unusedArguments}.`);
  }
  const [file, ...commandArguments] = parseCommandString(command);
  return { file, commandArguments };
};
var parseCommandString = (command) => {
  if (typeof command !== "string") {
    throw new TypeError(`The command must be a string: ${String(command)}.`);
  }
  const trimmedCommand = command.trim();
  if (trimmedCommand === "") {
    return [];
  }
  const tokens = [];
  for (const token of trimmedCommand.split(SPACES_REGEXP)) {
    const previousToken = tokens.at(-1);
    if (previousToken && previousToken.endsWith("\\")) {
      tokens[tokens.length - 1] = `${previousToken.slice(0, -1)} ${token}`;
    } else {
      tokens.push(token);
    }
  }
  return tokens;
};
var SPACES_REGEXP = / +/g;

// node_modules/execa/lib/methods/script.js
var setScriptSync = (boundExeca, createNested, boundOptions) => {
  boundExeca.sync = createNested(mapScriptSync, boundOptions);
  boundExeca.s = boundExeca.sync;
};
var mapScriptAsync = ({ options }) => getScriptOptions(options);
var mapScriptSync = ({ options }) => ({ ...getScriptOptions(options), isSync: true });
var getScriptOptions = (options) => ({ options: { ...getScriptStdinOption(options), ...options } });
var getScriptStdinOption = ({ input, inputFile, stdio }) => input === void 0 && inputFile === void 0 && stdio === void 0 ? { stdin: "inherit" } : {};
var deepScriptOptions = { preferLocal: true };

// node_modules/execa/index.js
var execa = createExeca(() => ({}));
var execaSync = createExeca(() => ({ isSync: true }));
var execaCommand = createExeca(mapCommandAsync);
var execaCommandSync = createExeca(mapCommandSync);
var execaNode = createExeca(mapNode);
var $ = createExeca(mapScriptAsync, {}, deepScriptOptions, setScriptSync);
var {
  sendMessage: sendMessage2,
  getOneMessage: getOneMessage2,
  getEachMessage: getEachMessage2,
  getCancelSignal: getCancelSignal2
} = getIpcExport();

// src/source/build-cache.ts
function buildCacheDir(env = process.env) {
  return resolve3(env.RUNNER_TEMP || tmpdir3(), "metal-image-buildkit-cache");
}
function newCacheDir(dir) {
  return `${dir}.new`;
}
var CLASSIC_CANNOT_CACHE = "the classic docker build client (docker < 23 with DOCKER_BUILDKIT=1) cannot use a local BuildKit cache: it has no --cache-to, it reads --cache-from as image names only, and the BuildKit built into its engine exports inline cache only. Install the buildx plugin with a docker-container builder (e.g. docker/setup-buildx-action) to cache builds";
function buildKitCacheArgs(dir, kind, options = {}) {
  if (kind === "classic") return { args: void 0, reason: CLASSIC_CANNOT_CACHE };
  if (options.driver === "docker" && !options.containerdStore)
    return {
      args: void 0,
      reason: "the buildx builder uses the docker driver, which cannot export a cache unless the engine uses the containerd image store. Create a docker-container builder (e.g. docker/setup-buildx-action) to cache builds"
    };
  if (!isAbsolute2(dir)) throw new Error(`the build cache directory must be absolute: ${dir}`);
  const args = [];
  if (existsSync2(join5(dir, "index.json"))) args.push("--cache-from", `type=local,src=${dir}`);
  if (options.exportCache !== false)
    args.push("--cache-to", `type=local,dest=${newCacheDir(dir)},mode=max,ignore-error=true`);
  return { args };
}
async function rotateCacheDir(dir) {
  const fresh2 = newCacheDir(dir);
  if (!holdsCache(fresh2)) {
    await rm2(fresh2, { recursive: true, force: true });
    return false;
  }
  await rm2(dir, { recursive: true, force: true });
  await rename2(fresh2, dir);
  return true;
}
async function probeBuildx(signal, builder = "") {
  const query = async (args) => {
    const result = await execa("docker", args, {
      reject: false,
      stdin: "ignore",
      timeout: 6e4,
      ...signal ? { cancelSignal: signal } : {}
    });
    return result.exitCode === 0 ? String(result.stdout) : void 0;
  };
  const [inspect4, status] = await Promise.all([
    query(["buildx", "inspect", ...builder ? [builder] : []]),
    query(["info", "--format", "{{json .DriverStatus}}"])
  ]);
  return {
    ...inspect4 === void 0 ? {} : { driver: parseBuildxDriver(inspect4) },
    ...status === void 0 ? {} : { containerdStore: usesContainerdStore(status) }
  };
}
function parseBuildxDriver(inspectOutput) {
  return /^Driver:\s*(\S+)/m.exec(inspectOutput)?.[1];
}
function usesContainerdStore(driverStatusJson) {
  return driverStatusJson.includes("io.containerd.snapshotter");
}
var toldUnavailable = false;
async function cacheServiceAvailable(log) {
  return await cacheClient(log) !== void 0;
}
async function cacheClient(log) {
  const missing = ["ACTIONS_RUNTIME_TOKEN", "ACTIONS_RESULTS_URL"].filter((name) => !process.env[name]);
  const cache = missing.length === 0 ? await import("./cache-GEHPWFT5.js") : void 0;
  if (cache?.isFeatureAvailable()) return cache;
  if (!toldUnavailable) {
    toldUnavailable = true;
    log.info(
      `Build cache: not available (${missing.length > 0 ? `${missing.join(" and ")} not set` : "no cache service"}; only a GitHub Actions job running the action has one): building without restoring or saving a cache`
    );
  }
  return void 0;
}
function checkDir(dir) {
  if (!isAbsolute2(dir)) throw new Error(`the build cache directory must be absolute: ${dir}`);
}
async function restoreBuildCache(dir, key, restoreKeys, log) {
  checkDir(dir);
  const started = performance.now();
  const cache = await cacheClient(log);
  if (!cache) return { hit: "miss", ms: 0 };
  await rm2(dir, { recursive: true, force: true });
  await rm2(newCacheDir(dir), { recursive: true, force: true });
  let matched;
  try {
    matched = await cache.restoreCache([dir], key, restoreKeys);
  } catch (err) {
    log.warning(`Build cache: restoring failed, building without it: ${errorMessage(err)}`);
    return { hit: "miss", ms: performance.now() - started };
  }
  const ms = performance.now() - started;
  if (matched === void 0) {
    log.info(`Build cache: no entry for ${key} nor its restore keys; it is saved after the build`);
    return { hit: "miss", ms };
  }
  if (!holdsCache(dir)) {
    log.warning(
      `Build cache: the entry ${matched} holds no BuildKit cache (no index.json, no saved image); building without it`
    );
    await rm2(dir, { recursive: true, force: true });
    return { hit: "miss", ms };
  }
  const hit = matched === key ? "exact" : "partial";
  const bytes = await treeSize(dir);
  log.info(
    `Build cache: ${hit === "exact" ? "exact hit" : `partial hit through ${matched}`}, ${formatBytes(bytes)} restored in ${formatSeconds(ms)}`
  );
  return { hit, matchedKey: matched, bytes, ms };
}
async function saveBuildCache(dir, key, log) {
  checkDir(dir);
  const started = performance.now();
  const cache = await cacheClient(log);
  if (!cache) return { saved: false, ms: 0 };
  if (!holdsCache(dir)) {
    log.info(`Build cache: nothing to save (the build exported no BuildKit cache to ${dir})`);
    return { saved: false, ms: performance.now() - started };
  }
  const bytes = await treeSize(dir);
  let id;
  try {
    id = await cache.saveCache([dir], key);
  } catch (err) {
    log.warning(`Build cache: saving ${key} failed: ${errorMessage(err)}`);
    return { saved: false, bytes, ms: performance.now() - started };
  }
  const ms = performance.now() - started;
  if (id === -1) {
    log.info(
      `Build cache: ${key} not saved (see the cache client's message: an entry of that key exists or is being saved by another job, this job may not write caches, or the cache service failed)`
    );
    return { saved: false, bytes, ms };
  }
  log.info(`Build cache: saved ${formatBytes(bytes)} as ${key} in ${formatSeconds(ms)}`);
  return { saved: true, id, bytes, ms };
}
async function treeSize(dir) {
  let total = 0;
  const pending2 = [dir];
  while (pending2.length > 0) {
    const current = pending2.pop();
    for (const entry of await readdir2(current, { withFileTypes: true })) {
      const path6 = join5(current, entry.name);
      if (entry.isDirectory()) pending2.push(path6);
      else if (entry.isFile()) total += (await lstat2(path6)).size;
    }
  }
  return total;
}
function holdsCache(dir) {
  return existsSync2(join5(dir, "index.json")) || existsSync2(join5(dir, "ref"));
}

// src/source/cache-key.ts
import { createHash as createHash4 } from "node:crypto";
import { createReadStream as createReadStream3 } from "node:fs";
import { lstat as lstat3, readdir as readdir3, readFile as readFile3, readlink } from "node:fs/promises";
import { join as join6, posix, resolve as resolve4 } from "node:path";
var KEY_PREFIX = "metal-image-buildkit-";
var SEGMENT3 = 16;
function cacheKey(build2, opts) {
  const platform2 = keySafe(build2.platform.toLowerCase(), /[^a-z0-9/._]/g) || "default";
  const os = keySafe(opts.os ?? "", /[^A-Za-z0-9.-]/g) || "any";
  const args = new Map(build2.buildArgs.map(([name, value]) => [name, sha256(`build-arg\0${value}`)]));
  const config = JSON.stringify({
    target: build2.target,
    args: [...args].sort(([a2], [b]) => a2 < b ? -1 : a2 > b ? 1 : 0)
  });
  const base = `${KEY_PREFIX}${platform2}-${os}_`;
  const dockerfile = sha256(`dockerfile\0${opts.dockerfileDigest}`).slice(0, SEGMENT3);
  const settings = sha256(`settings\0${config}`).slice(0, SEGMENT3);
  const context = sha256(`context\0${opts.contextDigest}`).slice(0, SEGMENT3);
  return {
    key: `${base}${dockerfile}_${settings}_${context}`,
    restoreKeys: [`${base}${dockerfile}_${settings}_`, `${base}${dockerfile}_`, base]
  };
}
function keySafe(value, bad) {
  return value.replace(bad, "-");
}
function sha256(data) {
  return createHash4("sha256").update(data).digest("hex");
}
function dockerfilePath(build2) {
  return build2.file ? resolve4(build2.file) : resolve4(build2.context, "Dockerfile");
}
async function fileDigest(path6) {
  return `sha256:${await hashFile(path6)}`;
}
function hashFile(path6) {
  return new Promise((resolvePromise, reject) => {
    const hash2 = createHash4("sha256");
    createReadStream3(path6, { highWaterMark: 1 << 20 }).on("data", (chunk) => hash2.update(chunk)).on("error", reject).on("end", () => resolvePromise(hash2.digest("hex")));
  });
}
async function contextDigest(contextDir, dockerfile) {
  const hash2 = createHash4("sha256");
  hash2.update("metal-image context v1\n");
  for await (const entry of contextEntries(contextDir, dockerfile)) {
    const { type, path: path6, mode } = entry;
    if (type === "file") hash2.update(`f\0${path6}\0${mode}\0${entry.size}\0${entry.sha256}
`);
    else if (type === "dir") hash2.update(`d\0${path6}\0${mode}
`);
    else if (type === "symlink") hash2.update(`l\0${path6}\0${entry.target}
`);
    else hash2.update(`o\0${path6}\0${mode}
`);
  }
  return `sha256:${hash2.digest("hex")}`;
}
async function* contextEntries(contextDir, dockerfile) {
  const root = resolve4(contextDir);
  const matcher = new IgnoreMatcher(await readIgnoreFile(root, dockerfile));
  const pending2 = [""];
  while (pending2.length > 0) {
    const rel = pending2.pop();
    const entries = await readdir3(join6(root, rel), { withFileTypes: true }).catch((err) => {
      throw new StageError(
        "cache",
        `cannot read ${join6(root, rel)} for the build context digest: ${errorMessage(err)}`
      );
    });
    const names = entries.map((e) => e.name).sort(compareNames);
    const subdirs = [];
    for (const name of names) {
      const path6 = rel === "" ? name : `${rel}/${name}`;
      const full = join6(root, path6);
      const info = await lstat3(full);
      const mode = modeBits(info.mode);
      const excluded = matcher.matches(path6);
      if (info.isDirectory()) {
        if (excluded && !matcher.hasExceptions) continue;
        if (!excluded) yield { type: "dir", path: path6, mode };
        subdirs.push(path6);
        continue;
      }
      if (excluded) continue;
      if (info.isFile()) {
        const sha2562 = await hashFile(full).catch((err) => {
          throw new StageError(
            "cache",
            `cannot read ${full} for the build context digest: ${errorMessage(err)}`
          );
        });
        yield { type: "file", path: path6, mode, size: info.size, sha256: sha2562 };
      } else if (info.isSymbolicLink()) {
        yield { type: "symlink", path: path6, mode, target: await readlink(full) };
      } else {
        yield { type: "other", path: path6, mode: info.mode.toString(8) };
      }
    }
    for (const dir of subdirs.reverse()) pending2.push(dir);
  }
}
function compareNames(a2, b) {
  return a2 < b ? -1 : a2 > b ? 1 : 0;
}
function modeBits(mode) {
  return (mode & 4095).toString(8);
}
async function readIgnoreFile(root, dockerfile) {
  const file = dockerfile ? resolve4(dockerfile) : join6(root, "Dockerfile");
  for (const candidate of [`${file}.dockerignore`, join6(root, ".dockerignore")]) {
    const text2 = await readFile3(candidate, "utf8").catch((err) => {
      if (err.code === "ENOENT" || err.code === "ENOTDIR") return void 0;
      throw new StageError("cache", `cannot read ${candidate}: ${errorMessage(err)}`);
    });
    if (text2 !== void 0) return text2;
  }
  return "";
}
var IgnoreMatcher = class {
  patterns;
  hasExceptions;
  constructor(text2) {
    this.patterns = [];
    for (const raw of text2.replace(/^\uFEFF/, "").split(/\r?\n/)) {
      if (raw.startsWith("#")) continue;
      let pattern = raw.trim();
      if (pattern === "") continue;
      const exception = pattern.startsWith("!");
      if (exception) pattern = pattern.slice(1).trim();
      if (pattern === "") continue;
      pattern = posix.normalize(pattern);
      if (pattern.length > 1 && pattern.endsWith("/")) pattern = pattern.slice(0, -1);
      if (pattern.length > 1 && pattern.startsWith("/")) pattern = pattern.slice(1);
      this.patterns.push({ regexp: compile(pattern), exception });
    }
    this.hasExceptions = this.patterns.some((p) => p.exception);
  }
  /** Whether `path` (relative, `/`-separated) is excluded: by a pattern on it or on a parent directory. */
  matches(path6) {
    const parents = [];
    for (let i2 = path6.indexOf("/"); i2 !== -1; i2 = path6.indexOf("/", i2 + 1)) parents.push(path6.slice(0, i2));
    let excluded = false;
    for (const { regexp, exception } of this.patterns) {
      if (exception !== excluded) continue;
      if (regexp.test(path6) || parents.some((parent) => regexp.test(parent))) excluded = !exception;
    }
    return excluded;
  }
};
function compile(pattern) {
  let re = "^";
  for (let i2 = 0; i2 < pattern.length; i2++) {
    const ch = pattern[i2];
    if (ch === "*") {
      if (pattern[i2 + 1] === "*") {
        i2++;
        if (pattern[i2 + 1] === "/") i2++;
        re += i2 + 1 >= pattern.length ? ".*" : "(.*/)?";
      } else {
        re += "[^/]*";
      }
    } else if (ch === "?") {
      re += "[^/]";
    } else if (ch === "\\") {
      const next = pattern[i2 + 1];
      if (next === void 0) re += "\\\\";
      else {
        re += escapeRegExp(next);
        i2++;
      }
    } else if (ch === "[") {
      const end = pattern.indexOf("]", i2 + 2);
      if (end === -1) {
        re += "\\[";
        continue;
      }
      const body = pattern.slice(i2 + 1, end);
      re += body.startsWith("!") ? `[^${body.slice(1)}]` : `[${body}]`;
      i2 = end;
    } else {
      re += escapeRegExp(ch);
    }
  }
  re += "$";
  try {
    return new RegExp(re);
  } catch {
    return new RegExp(`^${escapeRegExp(pattern)}$`);
  }
}
function escapeRegExp(text2) {
  return text2.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
}

// src/source/config.ts
function isRemoteContext(context) {
  return /^(https?:\/\/|git@|github\.com\/)/.test(context);
}

// src/source/inline-cache.ts
import { mkdir as mkdir2, readFile as readFile4, rm as rm3, writeFile as writeFile2 } from "node:fs/promises";
import { join as join8 } from "node:path";

// src/source/build-args.ts
function buildArgs(config) {
  const args = [];
  const shown = [];
  const add = (flag, value, show = value) => {
    args.push(flag, ...value === void 0 ? [] : [value]);
    shown.push(flag, ...show === void 0 ? [] : [show]);
  };
  if (config.file) add("--file", config.file);
  if (config.target) add("--target", config.target);
  add("--platform", config.platform);
  for (const [key, value] of config.buildArgs) add("--build-arg", `${key}=${value}`, `${key}=***`);
  for (const label of config.labels) add("--label", label);
  if (config.buildx.network) add("--network", config.buildx.network);
  for (const host of config.buildx.addHosts) add("--add-host", host);
  if (config.noCache) add("--no-cache");
  if (config.pull) add("--pull");
  return { args, shown };
}

// src/source/docker.ts
import { execFileSync, spawnSync as spawnSync3 } from "node:child_process";
import { closeSync as closeSync2, constants as constants5, mkdtempSync as mkdtempSync3, openSync as openSync2, rmSync as rmSync3 } from "node:fs";
import { Socket } from "node:net";
import { tmpdir as tmpdir4 } from "node:os";
import { join as join7 } from "node:path";
import { createInterface as createInterface2 } from "node:readline";
import { Readable as Readable4 } from "node:stream";
var DOCKER = "docker";
function dockerOnExit(args) {
  return onExit(() => void spawnSync3(DOCKER, args, { stdio: "ignore", timeout: 1e4 }));
}
var TAIL_LINES = 25;
function runDocker(args, options) {
  const os = options.stdout === "fd" ? osPipe() : void 0;
  const proc = execa(DOCKER, args, {
    reject: false,
    buffer: false,
    stdin: "ignore",
    // A number is the child's stdout as it is (no stream of execa's in between).
    stdout: os ? os.writeFd : "pipe",
    stderr: "pipe",
    env: options.env,
    cancelSignal: options.signal,
    forceKillAfterDelay: 5e3
  });
  const tail2 = [];
  const collect = (stream) => {
    if (!stream) return Promise.resolve();
    const lines2 = createInterface2({ input: stream, crlfDelay: Infinity });
    lines2.on("line", (line) => {
      options.log.info(line);
      tail2.push(line);
      if (tail2.length > TAIL_LINES) tail2.shift();
    });
    return new Promise((resolve8) => lines2.on("close", () => resolve8()));
  };
  os?.closeWriteFd();
  const piped = options.stdout === "pipe" || options.stdout === "fd";
  if (options.stdout === "pipe") proc.stdout?.pause();
  const outputs = Promise.all([collect(proc.stderr), piped || os ? Promise.resolve() : collect(proc.stdout)]);
  const done = Promise.all([proc, outputs]).then(([result]) => {
    if (result.exitCode === void 0 && tail2.length === 0)
      tail2.push(
        result.signal ? `docker was ended by ${result.signal} before it printed anything` : `docker did not start (${result.code ?? result.originalMessage ?? "no reason given"})`
      );
    return { exitCode: result.exitCode, tail: tail2 };
  });
  if (os) {
    const { stream, takeFd } = os.reader();
    return { stdout: stream, takeFd, done };
  }
  return { stdout: piped ? proc.stdout : null, done };
}
function osPipe() {
  const dir = mkdtempSync3(join7(tmpdir4(), "metal-image-pipe-"));
  const path6 = join7(dir, "stdout");
  try {
    execFileSync("mkfifo", ["-m", "0600", path6]);
    const readFd = openSync2(path6, constants5.O_RDONLY | constants5.O_NONBLOCK);
    const writeFd = openSync2(path6, constants5.O_WRONLY);
    let open3 = true;
    return {
      writeFd,
      closeWriteFd: () => {
        if (open3) closeSync2(writeFd);
        open3 = false;
      },
      reader: () => lazySocket(readFd)
    };
  } finally {
    rmSync3(dir, { recursive: true, force: true });
  }
}
function lazySocket(fd) {
  let socket;
  let taken = false;
  const stream = new Readable4({
    read() {
      if (taken) return void stream.destroy(new Error("this pipe is read by another reader"));
      if (socket) return void socket.resume();
      socket = new Socket({ fd, readable: true, writable: false });
      socket.on("data", (chunk) => {
        if (!stream.push(chunk)) socket.pause();
      });
      socket.once("end", () => stream.push(null));
      socket.once("error", (err) => stream.destroy(err));
    },
    destroy(err, callback) {
      if (socket) socket.destroy();
      else if (!taken) closeSync2(fd);
      callback(err);
    }
  });
  const takeFd = () => {
    if (socket || stream.destroyed) throw new Error("the pipe is already being read, or closed");
    taken = true;
    return fd;
  };
  return { stream, takeFd };
}
async function dockerQuery(args, signal, env) {
  const result = await execa(DOCKER, args, {
    reject: false,
    stdin: "ignore",
    cancelSignal: signal,
    env,
    timeout: 6e4
  });
  return result.exitCode === 0 ? String(result.stdout).trim() : void 0;
}
async function ensureDaemon(input, value, signal) {
  const result = await execa(DOCKER, ["version", "--format", "{{.Server.Version}}"], {
    reject: false,
    stdin: "ignore",
    cancelSignal: signal,
    timeout: 3e4
  });
  if (result.exitCode === 0) return;
  const host = process.env.DOCKER_HOST || "unix:///var/run/docker.sock";
  const reason = result.code === "ENOENT" ? "the docker command is not installed" : lastLine(String(result.stderr)) || result.shortMessage;
  throw new StageError(
    "docker",
    `cannot reach the Docker daemon at ${host}, needed for input "${input}" = "${value}": ${reason}. Start the Docker engine (dockerd) or point DOCKER_HOST at one.`
  );
}
function lastLine(text2) {
  const lines2 = text2.trim().split("\n");
  return (lines2[lines2.length - 1] ?? "").trim();
}
function processExit(done, failure2) {
  const exited = done.then((result) => {
    if (result.exitCode !== 0) throw failure2(result);
  });
  exited.catch(() => {
  });
  return exited;
}
function stopThen(abort, done, after = async () => {
}) {
  return async () => {
    abort.abort();
    await done.catch(() => {
    });
    await after();
  };
}

// src/source/inline-cache.ts
var INLINE_IMAGE = "image.tar.gz";
async function loadInlineCache(dir, log, signal) {
  const ref = (await readFile4(join8(dir, "ref"), "utf8").catch(() => "")).trim();
  if (!ref) return void 0;
  const result = await execa(DOCKER, ["load", "-q", "-i", join8(dir, INLINE_IMAGE)], {
    reject: false,
    cancelSignal: signal
  });
  if (result.exitCode !== 0) {
    log.warning(
      `Build cache: the restored image could not be loaded, building without: ${String(result.stderr).trim()}`
    );
    return void 0;
  }
  log.info(`Build cache: loaded ${ref} (its inline cache is used with --cache-from)`);
  return ref;
}
async function exportInlineCache(config, ref, dir, signal) {
  const { args } = buildArgs(config);
  const env = { DOCKER_BUILDKIT: "1" };
  const tagged = await execa(
    DOCKER,
    ["build", "-q", "-t", ref, "--build-arg", "BUILDKIT_INLINE_CACHE=1", ...args, config.context],
    { env, reject: false, cancelSignal: signal }
  );
  if (tagged.exitCode !== 0)
    throw new StageError(
      "build",
      `tagging the build for its cache failed: ${String(tagged.stderr).trim().split("\n").slice(-3).join(" ")}`
    );
  await saveTagged(ref, dir, signal);
}
async function saveInlineCache(image, ref, dir, signal) {
  const tagged = await execa(DOCKER, ["tag", image, ref], { reject: false, cancelSignal: signal });
  if (tagged.exitCode !== 0)
    throw new StageError("build", `tagging the build for its cache failed: ${String(tagged.stderr).trim()}`);
  await saveTagged(ref, dir, signal);
}
async function saveTagged(ref, dir, signal) {
  try {
    await rm3(dir, { recursive: true, force: true });
    await mkdir2(dir, { recursive: true });
    await execa("sh", ["-c", 'docker save "$1" | gzip -1 > "$2"', "sh", ref, join8(dir, INLINE_IMAGE)], {
      cancelSignal: signal
    });
    await writeFile2(join8(dir, "ref"), `${ref}
`);
  } finally {
    await execa(DOCKER, ["rmi", ref], { reject: false });
  }
}

// src/source/cache.ts
async function restoreCache(build2, os, log) {
  if (build2.noCache) {
    log.info("Build cache: not used: no-cache is set");
    return void 0;
  }
  if (!await cacheServiceAvailable(log)) return void 0;
  const remote = isRemoteContext(build2.context);
  const file = dockerfilePath(build2);
  const keys = cacheKey(build2, {
    contextDigest: remote ? createHash5("sha256").update(build2.context).digest("hex") : await contextDigest(build2.context, file),
    dockerfileDigest: remote ? "" : await fileDigest(file),
    os
  });
  const dir = buildCacheDir();
  const restored = await restoreBuildCache(dir, keys.key, keys.restoreKeys, log);
  const inlineRef = `metal-image-cache/${createHash5("sha256").update(keys.key).digest("hex").slice(0, 16)}:inline`;
  return { use: { dir, exportCache: restored.hit !== "exact", inlineRef }, key: keys.key, restored };
}
async function saveCache(cache, source, build2, log, signal) {
  const { hit, matchedKey } = cache.restored;
  const restored = hit === "miss" ? "miss" : `${hit} hit (${matchedKey})`;
  if (!source.cacheKind) return `${restored}; not used by this builder`;
  if (hit === "exact") return restored;
  if (source.cacheKind === "inline") {
    const dir = newCacheDir(cache.use.dir);
    if (source.cacheImage) await saveInlineCache(source.cacheImage, cache.use.inlineRef, dir, signal);
    else await exportInlineCache(build2, cache.use.inlineRef, dir, signal);
  }
  const saved = await rotateCacheDir(cache.use.dir) ? await saveBuildCache(cache.use.dir, cache.key, log) : void 0;
  return `${restored}; ${saved?.saved ? `saved as ${cache.key}` : "not saved"}`;
}

// src/source/build.ts
import { stat as stat3 } from "node:fs/promises";
import { join as join12, resolve as resolve5 } from "node:path";

// src/source/builder.ts
async function detectBuilder(mode, signal) {
  if (mode === "false") return { kind: "legacy", why: "input buildkit is false" };
  if (await dockerQuery(["buildx", "version"], signal) !== void 0) return { kind: "buildx" };
  const client = await dockerQuery(["version", "--format", "{{.Client.Version}}"], signal);
  const major = Number.parseInt(client ?? "", 10);
  if (major > 0 && major < 23) return { kind: "classic" };
  const why = `docker client ${client ?? "(unknown)"} has no buildx plugin`;
  if (mode === "true")
    throw new InputError(
      "buildkit",
      mode,
      `BuildKit is not available (${why}): install the buildx plugin, or use "auto" to fall back to docker export`
    );
  return { kind: "legacy", why };
}

// src/source/buildx.ts
import { constants as constants6 } from "node:fs";
import { access, chmod, mkdtemp, rm as rm4, stat as stat2, writeFile as writeFile3 } from "node:fs/promises";
import { tmpdir as tmpdir5 } from "node:os";
import { join as join9 } from "node:path";
function unsupportedInput(options, kind) {
  const used = [
    ["builder", options.builder !== ""],
    ["build-contexts", options.contexts.length > 0],
    ["cache-to", options.cacheTo.length > 0],
    ["push", options.push],
    [options.attests[0]?.input ?? "attests", options.attests.length > 0]
  ];
  if (kind === "legacy")
    used.push(
      [options.secrets[0]?.input ?? "secrets", options.secrets.length > 0],
      ["ssh", options.ssh.length > 0],
      ["cache-from", options.cacheFrom.length > 0]
    );
  if (kind === "buildx") return void 0;
  return used.find(([, given]) => given)?.[0];
}
function activeAttests(attests) {
  return attests.map((a2) => a2.spec).filter((spec) => !/(^|,)disabled=(true|1)(,|$)/i.test(spec));
}
function makesAttestations(info) {
  return info.driver !== "docker" || info.containerdStore === true;
}
var ATTESTATION_DRIVERS = "docker-container, kubernetes and remote builders make attestations (e.g. docker/setup-buildx-action); the docker driver only with the containerd image store";
async function checkBuilder(options, signal, attests = options.attests) {
  if (options.builder) {
    const result = await execa(DOCKER, ["buildx", "inspect", options.builder], {
      reject: false,
      stdin: "ignore",
      cancelSignal: signal,
      timeout: 6e4
    });
    if (result.exitCode !== 0)
      throw new InputError(
        "builder",
        options.builder,
        `docker buildx cannot use it: ${lastLine(String(result.stderr)).replace(/^ERROR:\s*/, "")} (docker buildx ls lists the builders)`
      );
  }
  const info = await probeBuildx(signal, options.builder);
  const active = attests.filter((a2) => activeAttests([a2]).length > 0);
  if (active.length > 0 && !makesAttestations(info))
    throw attestationError(active[0].input, active[0].spec, "attestations", options.builder, info);
  return info;
}
function attestationError(input, value, what2, builder, info) {
  return new InputError(
    input,
    value,
    `${what2}, which the builder ${builder || "(the current one)"} cannot make: its ${info.driver ?? "unknown"} driver has no attestations (${ATTESTATION_DRIVERS}). Switch them off with provenance: false and sbom-attestation: false`
  );
}
var BuildFiles = class {
  dir;
  /** The folder, made (mode 0700) on first use. */
  async folder() {
    this.dir ??= await mkdtemp(join9(process.env.RUNNER_TEMP || tmpdir5(), "metal-image-build-"));
    await chmod(this.dir, 448);
    return this.dir;
  }
  async cleanup() {
    if (this.dir) await rm4(this.dir, { recursive: true, force: true });
    this.dir = void 0;
  }
};
async function secretSpecs(secrets, files) {
  const specs = [];
  for (const [i2, secret] of secrets.entries()) {
    const named2 = `${secret.id}=${secret.kind === "value" ? "***" : secret.source}`;
    if (secret.kind === "env") {
      checkSecretEnv(secret.id, secret.source, (problem) => new InputError(secret.input, named2, problem));
      specs.push(`id=${secret.id},env=${secret.source}`);
    } else if (secret.kind === "file") {
      const info = await stat2(secret.source).catch(() => void 0);
      const readable2 = info?.isFile() && await access(secret.source, constants6.R_OK).then(
        () => true,
        () => false
      );
      if (!readable2)
        throw new InputError(
          secret.input,
          named2,
          `secret "${secret.id}": no readable file at ${secret.source}`
        );
      specs.push(`id=${secret.id},src=${secret.source}`);
    } else {
      const path6 = join9(await files.folder(), `secret-${i2}`);
      await writeFile3(path6, secret.source, { mode: 384 });
      specs.push(`id=${secret.id},src=${path6}`);
    }
  }
  return specs;
}
function checkSecretEnv(id, variable, error) {
  if (!process.env[variable])
    throw error(
      `secret "${id}": the environment variable ${variable} is ${variable in process.env ? "empty" : "not set"} (buildx would pass an empty secret; a repository secret that is missing, e.g. on a pull request from a fork, looks like this)`
    );
}
function buildxFlags(options, secrets) {
  const flags = [];
  const add = (flag, values) => {
    for (const value of values) flags.push(flag, value);
  };
  if (options.builder) flags.push("--builder", options.builder);
  add(
    "--build-context",
    options.contexts.map(([name, value]) => `${name}=${value}`)
  );
  add("--secret", secrets);
  add("--ssh", options.ssh);
  add("--cache-from", options.cacheFrom);
  add("--cache-to", options.cacheTo);
  add(
    "--attest",
    options.attests.map((a2) => a2.spec)
  );
  return flags;
}

// src/source/built-image.ts
import { randomBytes as randomBytes2 } from "node:crypto";

// src/source/image-fs.ts
import { mkdtemp as mkdtemp2, rm as rm5, writeFile as writeFile4 } from "node:fs/promises";
import { tmpdir as tmpdir6 } from "node:os";
import { join as join11 } from "node:path";

// src/source/engine.ts
import { readFileSync as readFileSync4 } from "node:fs";
import { connect } from "node:net";
import { homedir } from "node:os";
import { join as join10 } from "node:path";
var DEFAULT_SOCKET = "/var/run/docker.sock";
var MAX_HEADER = 64 * 1024;
function localEngineSocket(env = process.env, home = homedir()) {
  const host = env.DOCKER_HOST;
  if (host) return host.startsWith("unix://") ? host.slice("unix://".length) : void 0;
  if (env.DOCKER_CONTEXT) return env.DOCKER_CONTEXT === "default" ? DEFAULT_SOCKET : void 0;
  const config = join10(env.DOCKER_CONFIG || join10(home, ".docker"), "config.json");
  let current;
  try {
    current = JSON.parse(readFileSync4(config, "utf8")).currentContext;
  } catch {
  }
  return current === void 0 || current === "" || current === "default" ? DEFAULT_SOCKET : void 0;
}
var EngineError = class extends Error {
  status;
  constructor(message, status) {
    super(message);
    this.name = "EngineError";
    this.status = status;
  }
};
function engineGet(socketPath, path6, pool) {
  return new Promise((resolve8, reject) => {
    const socket = pool ? connect({
      path: socketPath,
      onread: { buffer: () => pool.space(), callback: (n2) => socket.push(pool.filled(n2)) }
    }) : connect(socketPath);
    let head = Buffer.alloc(0);
    const fail = (err) => {
      socket.destroy();
      reject(err);
    };
    const onError = (err) => fail(new EngineError(`cannot reach the Docker Engine API at ${socketPath}: ${err.code ?? err.message}`));
    const onEnd = () => fail(new EngineError(`the Docker Engine API at ${socketPath} closed the connection without an answer`));
    const onReadable = () => {
      let chunk;
      while ((chunk = socket.read()) !== null) {
        head = Buffer.concat([head, chunk]);
        const end = head.indexOf("\r\n\r\n");
        if (end === -1) {
          if (head.length > MAX_HEADER)
            return fail(new EngineError("the Docker Engine API sent no HTTP header"));
          continue;
        }
        socket.off("readable", onReadable);
        socket.off("error", onError);
        socket.off("end", onEnd);
        const status = Number(/^HTTP\/1\.\d (\d{3})/.exec(head.toString("latin1", 0, end))?.[1]);
        const body = head.subarray(end + 4);
        if (status === 200) {
          if (body.length > 0) socket.unshift(body);
          return resolve8(socket);
        }
        return void errorBody(socket, body).then(
          (message) => fail(new EngineError(message || `HTTP status ${status}`, status))
        );
      }
    };
    socket.on("error", onError);
    socket.on("end", onEnd);
    socket.on("readable", onReadable);
    socket.write(`GET ${path6} HTTP/1.0\r
Host: docker\r
\r
`);
  });
}
async function errorBody(socket, start) {
  const parts = [start];
  let size = start.length;
  try {
    for await (const part of socket) {
      parts.push(part);
      size += part.length;
      if (size > MAX_HEADER) break;
    }
  } catch {
  }
  const text2 = Buffer.concat(parts).toString("utf8").trim();
  try {
    return String(JSON.parse(text2).message ?? text2);
  } catch {
    return text2;
  }
}

// src/source/export.ts
async function exportContainer(image, platform2, log, signal) {
  log.info(`docker create --platform ${platform2} ${image}, then export it`);
  const created = await execa(DOCKER, ["create", "--platform", platform2, image, "/metal-image-export"], {
    reject: false,
    stdin: "ignore",
    cancelSignal: signal
  });
  if (created.exitCode !== 0)
    throw new InputError("image", image, `docker create failed: ${lastLine(String(created.stderr))}`);
  const container = String(created.stdout).trim();
  const forget = dockerOnExit(["rm", "--force", container]);
  const removeContainer = async () => {
    const removed = await execa(DOCKER, ["rm", "--force", container], {
      reject: false,
      stdin: "ignore",
      timeout: 3e4
    });
    if (removed.exitCode === 0) forget();
  };
  try {
    const socket = localEngineSocket();
    const viaApi = socket ? await engineExport(socket, container, image, log) : void 0;
    if (viaApi) return { ...viaApi, cleanup: () => viaApi.cleanup().then(removeContainer) };
    const abort = new AbortController();
    const { stdout, done } = runDocker(["export", container], {
      log,
      signal: AbortSignal.any([signal, abort.signal]),
      stdout: "pipe"
    });
    const failure2 = (f) => new StageError(
      "export",
      `docker export of ${image} failed (exit code ${f.exitCode}): ${f.tail.join("\n")}`
    );
    return {
      stream: stdout,
      exited: processExit(done, failure2),
      method: "docker create + docker export",
      input: "image",
      value: image,
      producer: true,
      streamsBuild: false,
      cleanup: stopThen(abort, done, removeContainer)
    };
  } catch (err) {
    await removeContainer();
    throw new StageError("export", `docker export of ${image} failed: ${errorMessage(err)}`);
  }
}
async function engineExport(socketPath, container, image, log) {
  let socket;
  const pool = new ChunkPool();
  try {
    socket = await engineGet(socketPath, `/containers/${encodeURIComponent(container)}/export`, pool);
  } catch (err) {
    if (err instanceof EngineError && err.status !== void 0) throw err;
    log.info(`${errorMessage(err)}; using docker export`);
    return void 0;
  }
  const exited = new Promise((resolve8, reject) => {
    socket.once("end", resolve8);
    socket.once("close", () => resolve8());
    socket.once(
      "error",
      (err) => reject(
        new StageError(
          "export",
          `docker export of ${image} failed: the Engine API connection broke (${errorMessage(err)})`
        )
      )
    );
  });
  exited.catch(() => {
  });
  return {
    stream: socket,
    exited,
    method: "docker create + export from the Engine API",
    input: "image",
    value: image,
    producer: true,
    streamsBuild: false,
    cleanup: async () => void socket.destroy(),
    release: (chunk) => pool.release(chunk)
  };
}

// src/source/image-fs.ts
var INIT_LAYER_PATHS = [
  ".dockerenv",
  "dev",
  "dev/console",
  "dev/pts",
  "dev/shm",
  "etc",
  "etc/hostname",
  "etc/hosts",
  "etc/mtab",
  "etc/resolv.conf",
  "proc",
  "sys"
];
var MAX_TRUTH = 64 << 20;
var TRUTH_TIMEOUT_MS = 12e4;
var TRUTH_DOCKERFILE = (ref) => [
  `FROM ${ref} AS image`,
  "FROM scratch",
  // A wildcard matches nothing without an error (an image has no /.dockerenv unless it was made from a
  // container export); on a folder it would follow the links inside, so the folders are named as they are.
  "COPY --from=image /.dockeren[v] /",
  ...["etc", "dev", "proc", "sys"].map((dir) => `COPY --from=image /${dir} /${dir}`),
  ""
].join("\n");
async function exportImage(image, platform2, log, signal, daemon = Promise.resolve()) {
  const asked = {
    facts: inspect3(image, signal),
    builder: detectBuilder("auto", signal),
    context: dockerQuery(["context", "show"], signal)
  };
  for (const answer of Object.values(asked)) answer.catch(() => {
  });
  await daemon;
  let facts = await asked.facts;
  if (!facts) {
    log.info(`${image} is not present locally; pulling it for ${platform2}`);
    const pulled = await runDocker(["pull", "--platform", platform2, image], { log, signal }).done;
    if (pulled.exitCode !== 0)
      throw new InputError(
        "image",
        image,
        `not found locally and could not be pulled: ${pulled.tail.at(-1) ?? "docker pull failed"}`
      );
    facts = await inspect3(image, signal);
  }
  const ref = /^(sha256:)?[0-9a-f]{12,64}$/.test(image) ? facts?.tags[0] : image;
  const builder = await asked.builder;
  const why = builder.kind === "legacy" ? `BuildKit is not available: ${builder.why}` : facts?.onBuild ? "it has ONBUILD instructions, which a build FROM it would run" : !ref ? "it has no name, and BuildKit reads images by name" : void 0;
  if (why || builder.kind === "legacy") {
    log.warning(
      `Exporting a container of ${image}, not the image itself (${why}): /etc/hostname, /etc/hosts and /etc/resolv.conf come out empty, /.dockerenv and /etc/mtab are added`
    );
    return exportContainer(image, platform2, log, signal);
  }
  const from = { ref, builder, platform: platform2, context: await asked.context };
  const [truth, exported] = await Promise.allSettled([
    trueEntries(from, log, signal),
    exportContainer(image, platform2, log, signal)
  ]);
  if (exported.status === "rejected") throw exported.reason;
  if (truth.status === "fulfilled")
    return {
      ...exported.value,
      method: `docker export of ${image}, docker's init layer put right from the image (the image's own filesystem)`,
      correct: { paths: INIT_LAYER_PATHS, truth: truth.value }
    };
  await exported.value.cleanup();
  if (signal.aborted) throw truth.reason;
  log.info(`${errorMessage(truth.reason)}: BuildKit's tar exporter reads the whole image instead`);
  return buildKitExport(image, from, log, signal);
}
async function buildFrom({ builder, platform: platform2, context }, dockerfile, progress, stdout, log, signal) {
  const dir = await mkdtemp2(join11(tmpdir6(), "metal-image-from-"));
  await writeFile4(join11(dir, "Dockerfile"), dockerfile);
  const args = [
    ...builder.kind === "buildx" ? ["buildx", "build", ...context ? ["--builder", context] : []] : ["build"],
    "--platform",
    platform2,
    "--progress",
    progress,
    "--output",
    "type=tar,dest=-",
    dir
  ];
  const abort = new AbortController();
  const run = runDocker(args, {
    log,
    signal: AbortSignal.any([signal, abort.signal]),
    env: builder.kind === "classic" ? { DOCKER_BUILDKIT: "1" } : void 0,
    stdout
  });
  return { run, shown: `docker ${args.join(" ")}`, abort, dir };
}
async function trueEntries(from, log, signal) {
  const timeout = AbortSignal.timeout(TRUTH_TIMEOUT_MS);
  const { run, shown, abort, dir } = await buildFrom(
    from,
    TRUTH_DOCKERFILE(from.ref),
    "quiet",
    "pipe",
    silentLog,
    AbortSignal.any([signal, timeout])
  );
  log.info(`${shown} (COPY --from=${from.ref} /etc /dev /proc /sys: the entries docker's init layer hides)`);
  try {
    const chunks = [];
    let size = 0;
    for await (const chunk of run.stdout) {
      size += chunk.length;
      if (size > MAX_TRUTH) {
        abort.abort();
        throw new Error(`/etc, /dev, /proc and /sys of ${from.ref} hold more than ${MAX_TRUTH >> 20} MiB`);
      }
      chunks.push(chunk);
    }
    const finished7 = await run.done;
    if (timeout.aborted)
      throw new Error(
        `copying /etc, /dev, /proc and /sys out of ${from.ref} took over ${TRUTH_TIMEOUT_MS / 1e3} s`
      );
    if (finished7.exitCode !== 0)
      throw new Error(
        `copying /etc, /dev, /proc and /sys out of ${from.ref} failed: ${finished7.tail.at(-1) ?? `exit code ${finished7.exitCode}`}`
      );
    return Buffer.concat(chunks);
  } finally {
    abort.abort();
    await run.done;
    await rm5(dir, { recursive: true, force: true });
  }
}
async function buildKitExport(image, from, log, signal) {
  const { run, shown, abort, dir } = await buildFrom(from, `FROM ${from.ref}
`, "plain", "fd", log, signal);
  log.info(`${shown} (Dockerfile: FROM ${from.ref})`);
  const { stdout, takeFd, done } = run;
  const failure2 = (f) => new StageError(
    "export",
    `exporting the filesystem of ${image} with BuildKit failed (exit code ${f.exitCode ?? "none"}): ${f.tail.join("\n")}`
  );
  return {
    stream: stdout,
    exited: processExit(done, failure2),
    method: `BuildKit's tar exporter FROM ${image} (the image's own filesystem)`,
    input: "image",
    value: image,
    producer: true,
    takeFd,
    streamsBuild: false,
    cleanup: stopThen(abort, done, () => rm5(dir, { recursive: true, force: true }))
  };
}
async function inspect3(image, signal) {
  const out = await dockerQuery(
    ["image", "inspect", "--format", "{{json .RepoTags}} {{json .Config}}", image],
    signal
  );
  if (out === void 0) return void 0;
  const space = out.indexOf(" ");
  const tags = JSON.parse(out.slice(0, space));
  const config = JSON.parse(out.slice(space + 1));
  return { tags: tags ?? [], onBuild: (config?.OnBuild?.length ?? 0) > 0 };
}

// src/source/built-image.ts
function temporaryImageName(kind) {
  const name = `metal-image-build/${randomBytes2(8).toString("hex")}:${kind}`;
  pending.set(name, dockerOnExit(["rmi", "--no-prune", name]));
  return name;
}
var pending = /* @__PURE__ */ new Map();
async function exportBuilt(image, what2, log, signal) {
  const { tag } = what2;
  try {
    const source = await exportImage(image, what2.platform, log, signal);
    return {
      ...source,
      method: `${what2.method}, ${source.method}`,
      input: what2.input,
      value: what2.value,
      before: { stage: "build", ms: performance.now() - what2.started },
      cleanup: async () => {
        await source.cleanup();
        if (tag) await untag(tag);
      }
    };
  } catch (err) {
    if (tag) await untag(tag);
    throw err;
  }
}
function buildsIntoEngine(builder, attestations) {
  return builder.driver === "docker" && attestations === 0;
}
async function untag(tag) {
  const removed = await execa(DOCKER, ["rmi", "--no-prune", tag], {
    reject: false,
    stdin: "ignore",
    timeout: 3e4
  });
  if (removed.exitCode === 0) {
    pending.get(tag)?.();
    pending.delete(tag);
  }
}

// src/source/push.ts
import { readFile as readFile5 } from "node:fs/promises";
async function readPush(metadataFile, names, log, target) {
  let metadata;
  try {
    const all = JSON.parse(await readFile5(metadataFile, "utf8"));
    metadata = target === void 0 ? all : all[target];
  } catch (err) {
    throw new StageError(
      "push",
      `docker buildx wrote no build metadata (${String(err)}): was the image pushed?`
    );
  }
  const digest = metadata?.["containerimage.digest"];
  if (typeof digest !== "string" || !/^sha256:[0-9a-f]{64}$/.test(digest))
    throw new StageError(
      "push",
      `docker buildx reported no pushed manifest for ${names.join(", ")}: nothing was published`
    );
  const pushed = String(metadata["image.name"] ?? "").split(",").map((n2) => n2.trim()).filter(Boolean);
  const tags = pushed.length > 0 ? pushed : names;
  log.info(`Pushed ${tags.join(", ")} (${digest}) from the same build`);
  return { digest, tags };
}
function pushFailure(tail2, names, by) {
  const pushing = tail2.some(
    (l) => /pushing .* with docker|^\s*> pushing|failed to push|pushing layers|pushing manifest|exporting manifest list/.test(
      l
    )
  );
  if (!pushing) return void 0;
  const error = [...tail2].reverse().find((l) => /^ERROR:/.test(l.trim()))?.replace(/^\s*ERROR:\s*/, "") ?? tail2.at(-1) ?? "the push failed";
  return new InputError(
    by.input,
    by.value,
    `pushing the image to ${names.join(", ")} failed: ${error}. Nothing was published to the destination; the registry keeps what the push completed before it failed (uploaded layers; with several names, the names pushed before the failure)`
  );
}

// src/source/build.ts
function buildFailure(config) {
  return (f) => new StageError(
    "build",
    `docker build failed (exit code ${f.exitCode ?? "none"}) for context "${config.context}"${config.file ? ` and file "${config.file}"` : ""}. Last lines of its output:
${f.tail.join("\n")}`
  );
}
async function build(config, log, signal, cache) {
  await checkBuildContext(config);
  const builder = await detectBuilder(config.buildkit, signal);
  const unsupported = unsupportedInput(config.buildx, builder.kind);
  if (unsupported)
    throw new InputError(
      unsupported,
      "",
      builder.kind === "legacy" ? `needs BuildKit, and this build uses the legacy builder (${builder.why})` : "needs docker buildx: the classic docker client (< 23) has no such option"
    );
  const { args, shown } = buildArgs(config);
  if (builder.kind === "legacy") {
    if (cache) log.info("Build cache: not used: the legacy builder cannot use a BuildKit cache");
    log.info(`BuildKit not used (${builder.why}): building, then exporting the image's filesystem`);
    return legacyBuild(config, args, shown, log, signal);
  }
  const files = new BuildFiles();
  try {
    const buildx = builder.kind === "buildx" ? await checkBuilder(config.buildx, signal) : {};
    let cacheArgs = [];
    let cacheKind;
    if (cache) {
      const local = buildKitCacheArgs(cache.dir, builder.kind, { ...buildx, exportCache: cache.exportCache });
      if (local.args) {
        cacheArgs = local.args;
        cacheKind = "local";
      } else if (builder.kind === "classic" || buildx.driver === "docker") {
        const loaded = await loadInlineCache(cache.dir, log, signal);
        if (loaded) cacheArgs = ["--cache-from", loaded];
        cacheKind = "inline";
      } else log.info(`Build cache: not used: ${local.reason}`);
    }
    const flags = buildxFlags(config.buildx, await secretSpecs(config.buildx.secrets, files));
    const { push, tags } = config.buildx;
    const prefix = builder.kind === "buildx" ? ["buildx", "build"] : ["build"];
    const metadata = push ? join12(await files.folder(), "metadata.json") : void 0;
    const pushArgs = push ? ["--output", "type=image,push=true", "--metadata-file", metadata] : [];
    for (const tag of push ? tags : []) pushArgs.push("--tag", tag);
    const failed = buildFailure(config);
    const by = { input: "push", value: "true" };
    const failure2 = (f) => push && pushFailure(f.tail, tags, by) || failed(f);
    if (buildsIntoEngine(buildx, activeAttests(config.buildx.attests).length)) {
      const tag = push ? void 0 : temporaryImageName("build");
      const output = tag ? ["--output", `type=image,name=${tag}`] : pushArgs;
      const inline = cacheKind === "inline" && cache?.exportCache ? ["--cache-to", "type=inline"] : [];
      const tail3 = [...flags, ...cacheArgs, ...inline, ...output, "--progress", "plain"];
      log.info(`docker ${[...prefix, ...shown, ...tail3, config.context].join(" ")}`);
      const started = performance.now();
      const result = await runDocker([...prefix, ...args, ...tail3, config.context], { log, signal }).done;
      try {
        if (result.exitCode !== 0) throw failure2(result);
        const pushed = push && await readPush(metadata, tags, log);
        const what2 = { method: "docker buildx build", input: "context", value: config.context, tag };
        const image = tag ?? tags[0];
        const source = await exportBuilt(image, { ...what2, platform: config.platform, started }, log, signal);
        return {
          ...source,
          cacheKind,
          ...inline.length > 0 ? { cacheImage: image } : {},
          ...pushed ? { pushed: async () => pushed } : {}
        };
      } catch (err) {
        if (tag) await untag(tag);
        throw err;
      } finally {
        await files.cleanup();
      }
    }
    const outputs = ["--output", "type=tar,dest=-", ...pushArgs];
    const env = builder.kind === "classic" ? { DOCKER_BUILDKIT: "1" } : void 0;
    const tail2 = [...flags, ...cacheArgs, ...outputs, "--progress", "plain", config.context];
    log.info(`docker ${[...prefix, ...shown, ...tail2].join(" ")}`);
    const abort = new AbortController();
    const both = AbortSignal.any([signal, abort.signal]);
    const { stdout, takeFd, done } = runDocker([...prefix, ...args, ...tail2], {
      log,
      signal: both,
      env,
      stdout: "fd"
    });
    return {
      stream: stdout,
      exited: processExit(done, failure2),
      method: builder.kind === "buildx" ? "docker buildx build, tar exporter" : "docker build (BuildKit), tar exporter",
      input: "context",
      value: config.context,
      producer: true,
      takeFd,
      streamsBuild: true,
      cacheKind,
      ...push ? { pushed: () => readPush(metadata, tags, log) } : {},
      cleanup: stopThen(abort, done, () => files.cleanup())
    };
  } catch (err) {
    await files.cleanup();
    throw err;
  }
}
async function checkBuildContext(config) {
  if (isRemoteContext(config.context)) return;
  const info = await stat3(config.context).catch(() => void 0);
  if (!info?.isDirectory())
    throw new InputError("context", config.context, "no such directory: expected the build context folder");
  const file = config.file ? resolve5(config.file) : join12(config.context, "Dockerfile");
  const fileInfo = await stat3(file).catch(() => void 0);
  if (!fileInfo?.isFile())
    throw new InputError(
      "file",
      config.file,
      `no Dockerfile at ${file}: expected the path of the Dockerfile (default: <context>/Dockerfile)`
    );
}
async function legacyBuild(config, args, shown, log, signal) {
  const tag = temporaryImageName("legacy");
  const started = performance.now();
  const own = ["--force-rm", "--tag", tag];
  log.info(`docker build ${[...shown, ...own, config.context].join(" ")}`);
  const { done } = runDocker(["build", ...args, ...own, config.context], {
    log,
    signal,
    env: { DOCKER_BUILDKIT: "0" }
  });
  const result = await done;
  if (result.exitCode !== 0) {
    await untag(tag);
    throw buildFailure(config)(result);
  }
  const what2 = { method: "docker build (legacy builder)", input: "context", value: config.context, tag };
  return exportBuilt(tag, { ...what2, platform: config.platform, started }, log, signal);
}

// src/source/bake.ts
import { stat as stat4, writeFile as writeFile5 } from "node:fs/promises";
import { join as join13 } from "node:path";

// src/source/csv.ts
function csvRecords(text2) {
  const records2 = [];
  let record = [];
  let field2 = "";
  let quoted = false;
  let atFieldStart = true;
  const endRecord = () => {
    record.push(field2);
    if (record.length > 1 || record[0] !== "") records2.push(record);
    record = [];
    field2 = "";
    atFieldStart = true;
  };
  for (let i2 = 0; i2 < text2.length; i2++) {
    const c3 = text2[i2];
    if (quoted) {
      if (c3 === '"' && text2[i2 + 1] === '"') {
        field2 += '"';
        i2++;
      } else if (c3 === '"') quoted = false;
      else field2 += c3;
    } else if (c3 === '"' && atFieldStart) {
      quoted = true;
      atFieldStart = false;
    } else if (c3 === ",") {
      record.push(field2);
      field2 = "";
      atFieldStart = true;
    } else if (c3 === "\n" || c3 === "\r" && text2[i2 + 1] === "\n") {
      if (c3 === "\r") i2++;
      endRecord();
    } else {
      field2 += c3;
      atFieldStart = false;
    }
  }
  if (field2 !== "" || record.length > 0) endRecord();
  return records2;
}
function csvFields(text2) {
  return csvRecords(text2.replace(/\r?\n/g, " "))[0] ?? [];
}

// src/source/bake-definition.ts
var LIST_KEYS = {
  output: "output",
  "cache-from": "cache-from",
  "cache-to": "cache-to",
  tags: "tags",
  platform: "platforms",
  secrets: "secret",
  ssh: "ssh",
  attest: "attest",
  annotations: "annotations"
};
var MARKER = "METAL_IMAGE_SET_LINE_";
function parseSetLines(lines2) {
  return lines2.map((line, i2) => {
    const eq = line.indexOf("=");
    const left = eq === -1 ? line : line.slice(0, eq);
    const append = left.endsWith("+");
    const name = append ? left.slice(0, -1) : left;
    const dot = name.indexOf(".");
    const pattern = dot === -1 ? "" : name.slice(0, dot);
    const key = dot === -1 ? "" : name.slice(dot + 1);
    const value = eq === -1 ? void 0 : line.slice(eq + 1);
    if (!pattern || !key || /\s/.test(name))
      throw new InputError(
        "set",
        line,
        "expected target.key=value (or target.key+=value), e.g. debian.args.FOO=bar"
      );
    if (value === void 0 && !key.startsWith("args."))
      throw new InputError("set", line, "expected target.key=value: only args.NAME may leave out the value");
    const top = key.split(".")[0];
    if (append && !(top in LIST_KEYS))
      throw new InputError(
        "set",
        line,
        `+= appends to a list: ${Object.keys(LIST_KEYS).join(", ")}; "${key}" takes =`
      );
    const mine = append || top === "output" || top === "push";
    return {
      line,
      pattern,
      key,
      append,
      value,
      by: mine ? "action" : "buildx",
      ...mine ? { marker: `${MARKER}${i2}` } : {}
    };
  });
}
function printOverrides(target, sets) {
  const flags = ["--set", `${target}.output=type=cacheonly`];
  for (const set of sets)
    flags.push("--set", set.by === "buildx" ? set.line : `${set.pattern}.args.${set.marker}=1`);
  return flags;
}
function printFailure(message, config, sets) {
  const unmatched = /could not find any target matching '([^']*)'/.exec(message)?.[1];
  if (unmatched === config.target || /failed to find target /.test(message))
    return new InputError(
      "targets",
      config.target,
      `no such target in ${config.files.join(", ")} (give one target, not a group): ${message}`
    );
  if (unmatched !== void 0) {
    const line = sets.find((s) => s.pattern === unmatched)?.line ?? unmatched;
    return new InputError("set", line, `names no target of the bake files: ${message}`);
  }
  const key = /unknown key: (\S+)/.exec(message)?.[1];
  const keyLine = key && sets.find((s) => s.key === key || s.key.startsWith(`${key}.`));
  if (key || /invalid (override|key)/.test(message))
    return new InputError("set", keyLine ? keyLine.line : sets.map((s) => s.line).join("; "), message);
  if (/\.(hcl|json|ya?ml):\d|Invalid |Unsupported |parse|unmarshal|syntax/i.test(message))
    return new InputError(
      "bake-files",
      config.files.join(", "),
      `docker buildx bake cannot read them:
${message}`
    );
  return new InputError("targets", config.target, `docker buildx bake cannot resolve it:
${message}`);
}
function parseOutput(spec) {
  const attrs = /* @__PURE__ */ new Map();
  if (!spec.includes("=")) {
    attrs.set("dest", spec);
    return { type: spec === "-" ? "tar" : "local", attrs };
  }
  for (const field2 of csvFields(spec)) {
    const eq = field2.indexOf("=");
    if (eq === -1) continue;
    attrs.set(field2.slice(0, eq).trim().toLowerCase(), field2.slice(eq + 1));
  }
  return { type: attrs.get("type") ?? "", attrs };
}
function pushes(spec) {
  const { type, attrs } = parseOutput(spec);
  return type === "registry" || type === "image" && /^(true|1)$/i.test(attrs.get("push") ?? "");
}
function droppedBecause(spec) {
  const { type, attrs } = parseOutput(spec);
  const dest = attrs.get("dest");
  if ((type === "tar" || type === "local") && dest !== "-")
    return `it would write the uncompressed rootfs to disk (${dest ?? "no dest"})`;
  if (type === "tar") return "the action streams the tar itself";
  if (dest === "-") return "standard output carries the action's tar stream";
  if (dest !== void 0) return `it would write a file (${dest})`;
  if (type === "cacheonly") return "it exports nothing";
  return void 0;
}
function planBake(printed, { config, sets, secretSpecs: secretSpecs2 }) {
  const definition = structuredClone(printed);
  delete definition.group;
  const name = config.target;
  const target = definition.target[name];
  if (!target)
    throw new InputError(
      "targets",
      name,
      "docker buildx bake --print did not show this target (is it a group?)"
    );
  const groupTargets = printed.group?.default?.targets ?? [name];
  if (groupTargets.length !== 1 || groupTargets[0] !== name)
    throw new InputError(
      "targets",
      name,
      `names several targets (${groupTargets.join(", ")}): give one target, the action publishes one image`
    );
  const outputs = [];
  let pushSet;
  for (const set of sets) {
    if (set.by !== "action") continue;
    for (const [tname, t] of Object.entries(definition.target)) {
      if (!t.args || !(set.marker in t.args)) continue;
      const top = set.key.split(".")[0];
      if (top === "output" || top === "push") {
        if (tname === name && top === "push") pushSet = set;
        else if (tname === name) outputs.push({ spec: set.value, set });
        continue;
      }
      const field2 = LIST_KEYS[top];
      t[field2] = [...t[field2] ?? [], set.value];
    }
  }
  for (const t of Object.values(definition.target)) {
    if (!t.args) continue;
    for (const arg of Object.keys(t.args)) if (arg.startsWith(MARKER)) delete t.args[arg];
    if (Object.keys(t.args).length === 0) delete t.args;
  }
  const { buildx } = config;
  for (const t of Object.values(definition.target)) {
    if (secretSpecs2.length > 0) t.secret = [...t.secret ?? [], ...secretSpecs2];
    if (buildx.ssh.length > 0) t.ssh = [...t.ssh ?? [], ...buildx.ssh];
    if (buildx.attests.length > 0) t.attest = [...t.attest ?? [], ...buildx.attests.map((a2) => a2.spec)];
    if (config.noCache) t["no-cache"] = true;
    if (config.pull) t.pull = true;
  }
  if (config.buildArgs.length > 0) target.args = { ...target.args, ...Object.fromEntries(config.buildArgs) };
  if (config.labels.length > 0)
    target.labels = {
      ...target.labels,
      ...Object.fromEntries(
        config.labels.map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)])
      )
    };
  if (config.stage) target.target = config.stage;
  if (buildx.contexts.length > 0)
    target.contexts = { ...target.contexts, ...Object.fromEntries(buildx.contexts) };
  if (buildx.cacheFrom.length > 0)
    target["cache-from"] = [...target["cache-from"] ?? [], ...buildx.cacheFrom];
  if (buildx.cacheTo.length > 0) target["cache-to"] = [...target["cache-to"] ?? [], ...buildx.cacheTo];
  if (buildx.tags.length > 0) target.tags = [...buildx.tags];
  target.platforms = [config.platform];
  const dropped = [];
  const kept = [];
  for (const output of outputs) {
    const why = droppedBecause(output.spec);
    if (why) dropped.push({ spec: output.spec, why });
    else kept.push(output);
  }
  if (pushSet && !/^(1|t|true|0|f|false)$/i.test(pushSet.value ?? ""))
    throw new InputError("set", pushSet.line, "push takes true or false");
  const push = pushSet ? /^(1|t|true)$/i.test(pushSet.value ?? "") : buildx.push;
  if (push && !kept.some((o2) => pushes(o2.spec))) kept.push({ spec: "type=image,push=true", set: pushSet });
  const final = ["type=tar,dest=-", ...kept.map((o2) => o2.spec)];
  target.output = final;
  const pushing = kept.filter((o2) => pushes(o2.spec));
  const pushTo = [...new Set(pushing.flatMap((o2) => nameList(o2.spec) ?? target.tags ?? []))];
  const by = pushing[0]?.set;
  const pushedBy = pushing.length === 0 ? void 0 : by ? { input: "set", value: by.line } : { input: "push", value: "true" };
  if (pushedBy && pushTo.length === 0)
    throw new InputError(
      "tags",
      "",
      `the push (${pushedBy.input}: ${pushedBy.value}) needs a name: the bake target ${name} has no tags; give tags`
    );
  return {
    definition,
    outputs: final,
    dropped,
    pushTo,
    pushedBy,
    attests: activeAttestations(definition, config),
    secrets: Object.entries(definition.target).flatMap(
      ([tname, t]) => (t.secret ?? []).map((spec) => ({ target: tname, spec }))
    )
  };
}
function nameList(spec) {
  const names = parseOutput(spec).attrs.get("name");
  return names ? names.split(",").map((n2) => n2.trim()).filter(Boolean) : void 0;
}
function activeAttestations(definition, config) {
  const fromInputs = new Map(config.buildx.attests.map((a2) => [a2.spec, a2.input]));
  const active = [];
  for (const [tname, t] of Object.entries(definition.target)) {
    const byType = /* @__PURE__ */ new Map();
    for (const spec of t.attest ?? []) byType.set(parseOutput(spec).type, spec);
    for (const spec of byType.values())
      if (!/^(true|1)$/i.test(parseOutput(spec).attrs.get("disabled") ?? ""))
        active.push({ target: tname, spec, input: fromInputs.get(spec) ?? "targets" });
  }
  return active;
}
function definitionJson(definition) {
  const literal = (text2) => text2.replaceAll("${", () => "$${").replaceAll("%{", () => "%%{");
  const escape = (value) => {
    if (typeof value === "string") return literal(value);
    if (Array.isArray(value)) return value.map(escape);
    if (value && typeof value === "object")
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [literal(k), escape(v)]));
    return value;
  };
  return `${JSON.stringify(escape(definition), null, 2)}
`;
}
function envSecrets(specs) {
  const found = [];
  for (const spec of specs) {
    const fields = new Map(
      csvFields(spec).map((f) => {
        const eq = f.indexOf("=");
        return [f.slice(0, eq).trim().toLowerCase(), f.slice(eq + 1)];
      })
    );
    const id = fields.get("id") ?? "";
    const file = fields.get("src") ?? fields.get("source");
    const env = fields.get("env") ?? (fields.get("type") === "env" ? file : void 0);
    if (env) found.push({ id, variable: env });
    else if (!file && id && id in process.env) found.push({ id, variable: id });
  }
  return found;
}

// src/source/bake.ts
async function bake(config, log, signal) {
  for (const file of config.files) {
    const info = await stat4(file).catch(() => void 0);
    if (!info?.isFile())
      throw new InputError("bake-files", file, `no such file (paths are relative to ${process.cwd()})`);
  }
  const files = new BuildFiles();
  try {
    const named2 = config.buildx.builder ? await checkBuilder(config.buildx, signal, []) : void 0;
    const secrets = await secretSpecs(config.buildx.secrets, files);
    const sets = parseSetLines(config.set);
    const printed = await printDefinition(config, printOverrides(config.target, sets), signal, sets);
    const plan = planBake(printed, { config, sets, secretSpecs: secrets });
    const builder = named2 ?? await probeBuildx(signal);
    checkPlan(plan, config, builder);
    const viaImage = buildsIntoEngine(builder, plan.attests.length);
    const tag = viaImage && !plan.pushedBy ? temporaryImageName("bake") : void 0;
    const image = tag ?? (viaImage ? plan.pushTo[0] : void 0);
    if (viaImage) {
      const target = plan.definition.target[config.target];
      target.output = [...tag ? [`type=image,name=${tag}`] : [], ...plan.outputs.slice(1)];
      if (tag) delete target.tags;
    }
    describePlan(plan, config, log, image);
    const dir = await files.folder();
    const definition = join13(dir, "bake.json");
    const metadata = join13(dir, "metadata.json");
    await writeFile5(definition, definitionJson(plan.definition), { mode: 384 });
    const args = ["buildx", "bake", "-f", definition, "--metadata-file", metadata, "--progress", "plain"];
    if (config.buildx.builder) args.push("--builder", config.buildx.builder);
    args.push(config.target);
    log.info(`docker ${args.join(" ")}`);
    const failure2 = (f) => plan.pushedBy && pushFailure(f.tail, plan.pushTo, plan.pushedBy) || bakeFailure(config)(f);
    if (image) {
      const started = performance.now();
      const result = await runDocker(args, { log, signal }).done;
      try {
        if (result.exitCode !== 0) throw failure2(result);
        const pushed = plan.pushedBy && await readPush(metadata, plan.pushTo, log, config.target);
        const what2 = { method: `docker buildx bake ${config.target}`, input: "targets", value: config.target };
        const source = await exportBuilt(
          image,
          { ...what2, platform: config.platform, started, tag },
          log,
          signal
        );
        return pushed ? { ...source, pushed: async () => pushed } : source;
      } catch (err) {
        if (tag) await untag(tag);
        throw err;
      } finally {
        await files.cleanup();
      }
    }
    const abort = new AbortController();
    const { stdout, takeFd, done } = runDocker(args, {
      log,
      signal: AbortSignal.any([signal, abort.signal]),
      stdout: "fd"
    });
    return {
      stream: stdout,
      exited: processExit(done, failure2),
      method: `docker buildx bake ${config.target}, tar exporter`,
      input: "targets",
      value: config.target,
      producer: true,
      takeFd,
      streamsBuild: true,
      ...plan.pushedBy ? { pushed: () => readPush(metadata, plan.pushTo, log, config.target) } : {},
      cleanup: stopThen(abort, done, () => files.cleanup())
    };
  } catch (err) {
    await files.cleanup();
    throw err;
  }
}
function bakeFailure(config) {
  return (f) => new StageError(
    "build",
    `docker buildx bake failed (exit code ${f.exitCode ?? "none"}) for target "${config.target}". Last lines of its output:
${f.tail.join("\n")}`
  );
}
async function printDefinition(config, overrides, signal, sets) {
  const args = ["buildx", "bake", "--print", "--progress", "quiet"];
  for (const file of config.files) args.push("-f", file);
  args.push(...overrides, config.target);
  const result = await execa(DOCKER, args, {
    reject: false,
    stdin: "ignore",
    cancelSignal: signal,
    timeout: 12e4
  });
  if (result.exitCode !== 0) {
    const message = bakeMessage(String(result.stderr)) || `docker buildx bake --print failed (${result.signal ?? result.code ?? `exit code ${result.exitCode}`})`;
    throw printFailure(message, config, sets);
  }
  try {
    return JSON.parse(String(result.stdout));
  } catch {
    throw new StageError(
      "bake",
      `docker buildx bake --print printed no definition: ${String(result.stdout).slice(0, 200)}`
    );
  }
}
function bakeMessage(stderr) {
  const lines2 = stderr.split("\n").filter((l) => !/^#\d+ /.test(l)).map((l) => l.length > 400 ? `${l.slice(0, 400)}... (${l.length} characters)` : l);
  const start = lines2.findIndex((l) => /^ERROR|^\S+:\d+$/.test(l.trim()));
  const text2 = (start === -1 ? lines2 : lines2.slice(start)).join("\n").trim();
  if (text2.length <= 4e3) return text2;
  const error = lines2.find((l) => /^ERROR/.test(l.trim()));
  return `${text2.slice(0, 3e3)}
...${error ? `
${error.trim()}` : ""}`;
}
function checkPlan(plan, config, builder) {
  if (plan.attests.length > 0 && !makesAttestations(builder)) {
    const { input, spec, target } = plan.attests[0];
    throw input === "targets" ? attestationError(
      input,
      config.target,
      `the bake file asks for attestations (target ${target}: ${spec})`,
      config.buildx.builder,
      builder
    ) : attestationError(input, spec, "attestations", config.buildx.builder, builder);
  }
  for (const { target, spec } of plan.secrets)
    for (const { id, variable } of envSecrets([spec]))
      checkSecretEnv(
        id,
        variable,
        (problem) => new InputError("targets", config.target, `the bake file's secret of target ${target}: ${problem}`)
      );
}
function describePlan(plan, config, log, image) {
  const t = plan.definition.target[config.target];
  const contexts = Object.entries(t.contexts ?? {}).map(([k, v]) => `${k}=${v}`);
  const linked = Object.keys(plan.definition.target).filter((n2) => n2 !== config.target);
  log.info(
    `Bake target ${config.target} (${config.files.join(", ")}): context ${t.context ?? "."}, dockerfile ${t.dockerfile ?? "Dockerfile"}${contexts.length > 0 ? `, contexts ${contexts.join(" ")}` : ""}${linked.length > 0 ? `; also builds ${linked.join(", ")} (target: contexts)` : ""}; platform ${config.platform}`
  );
  log.info(
    `Outputs: the rootfs to the action (${image ? `the image ${image} in the engine, then its export` : "type=tar,dest=-"})${plan.pushTo.length > 0 ? `, a push to ${plan.pushTo.join(", ")}` : ""}${plan.outputs.length > 1 ? ` (${plan.outputs.slice(1).join(" ")})` : ""}. The bake file's own outputs are not used.`
  );
  for (const { spec, why } of plan.dropped) log.info(`Output ${spec} left out: ${why}`);
}

// src/source/rootfs-file.ts
import { fstatSync, statSync as statSync2 } from "node:fs";
import { open as open2, stat as stat5 } from "node:fs/promises";
import { resolve as resolve6 } from "node:path";
import { Readable as Readable5 } from "node:stream";
import { isatty } from "node:tty";
var READ_SIZE = 512 << 10;
var COMPRESSED_MAGIC = [
  ["gzip", [31, 139]],
  ["zstd", [40, 181, 47, 253]],
  ["xz", [253, 55, 122, 88, 90, 0]],
  ["bzip2", [66, 90, 104]],
  ["lz4", [4, 34, 77, 24]]
];
function compressedHead(path6, head) {
  const format2 = COMPRESSED_MAGIC.find(([, magic]) => magic.every((byte, i2) => head[i2] === byte))?.[0];
  return format2 ? new InputError(
    "rootfs",
    path6,
    `is ${format2}-compressed: expected an uncompressed tar (decompress it first)`
  ) : void 0;
}
function openStdin() {
  const input = (problem) => new InputError("rootfs", "-", problem);
  const piped = "expected a tar piped into it (e.g. `docker export c | metal-image --rootfs -`)";
  if (isatty(0)) throw input(`standard input is a terminal: ${piped}`);
  let info;
  try {
    info = fstatSync(0);
  } catch (err) {
    throw input(`cannot look at standard input: ${isSystemError(err) ? errnoWords(err) : String(err)}`);
  }
  if (info.isDirectory())
    throw input(
      "standard input is a folder (`< DIR`): expected a tar piped into it (e.g. `tar -C DIR -c . | metal-image --rootfs -`)"
    );
  if (info.isCharacterDevice() && info.rdev === devNull()?.rdev)
    throw input(`standard input is /dev/null (or was closed): ${piped}`);
  async function* checked() {
    let first = true;
    try {
      for await (const chunk of process.stdin) {
        if (first) {
          const compressed = compressedHead("-", chunk);
          if (compressed) throw compressed;
          first = false;
        }
        yield chunk;
      }
    } catch (err) {
      if (!isSystemError(err)) throw err;
      throw input(
        err.code === "EBADF" ? `standard input is not open for reading (EBADF): ${piped}` : `cannot read standard input: ${errnoWords(err)}`
      );
    }
  }
  return {
    stream: Readable5.from(checked(), { objectMode: false }),
    exited: Promise.resolve(),
    method: "rootfs tar on standard input",
    input: "rootfs",
    value: "-",
    producer: false,
    streamsBuild: false,
    cleanup: async () => {
    }
  };
}
function devNull() {
  try {
    return statSync2("/dev/null");
  } catch {
    return void 0;
  }
}
async function openRootfsFile(path6) {
  if (path6 === "-") return openStdin();
  const full = resolve6(path6);
  const info = await stat5(full).catch((err) => {
    throw new InputError(
      "rootfs",
      path6,
      `cannot read it: ${errnoWords(err)}; expected an uncompressed tar file`
    );
  });
  if (info.isDirectory())
    throw new InputError(
      "rootfs",
      path6,
      "is a directory: expected an uncompressed tar file (e.g. `tar -C DIR -cf rootfs.tar .`)"
    );
  const seekable = info.isFile();
  if (seekable) {
    const head = Buffer.alloc(8);
    const handle = await open2(full, "r").catch((err) => {
      throw new InputError("rootfs", path6, `cannot open it: ${errnoWords(err)}; expected a readable tar file`);
    });
    try {
      await handle.read(head, 0, head.length, 0);
    } finally {
      await handle.close();
    }
    const compressed = compressedHead(path6, head);
    if (compressed) throw compressed;
  }
  const pool = new ChunkPool();
  const checkHead = seekable ? void 0 : (head) => compressedHead(path6, head);
  return {
    stream: new PooledFileStream(
      full,
      pool,
      checkHead,
      (err) => isSystemError(err) ? new InputError("rootfs", path6, `cannot read it: ${errnoWords(err)}`) : err
    ),
    exited: Promise.resolve(),
    method: `rootfs tar ${full}${seekable ? "" : " (a pipe)"}`,
    input: "rootfs",
    value: path6,
    producer: false,
    streamsBuild: false,
    cleanup: async () => {
    },
    release: (chunk) => pool.release(chunk)
  };
}
var PooledFileStream = class extends Readable5 {
  path;
  pool;
  handle;
  /** For a pipe: looks at the first bytes read, and fails the stream with its error. */
  checkHead;
  /** Says in words what a failed open or read means. */
  explain;
  constructor(path6, pool, checkHead, explain) {
    super({ highWaterMark: READ_SIZE });
    this.path = path6;
    this.pool = pool;
    this.checkHead = checkHead;
    this.explain = explain;
  }
  _construct(done) {
    open2(this.path, "r").then(
      (handle) => {
        this.handle = handle;
        done();
      },
      (err) => done(this.explain(err))
    );
  }
  _read() {
    const space = this.pool.space();
    this.handle.read(space, 0, Math.min(space.length, READ_SIZE), null).then(
      ({ bytesRead }) => {
        if (bytesRead === 0) return void this.push(null);
        const chunk = this.pool.filled(bytesRead);
        const check2 = this.checkHead;
        this.checkHead = void 0;
        const err = check2?.(chunk);
        if (err) return void this.destroy(err);
        this.push(chunk);
      },
      (err) => this.destroy(this.explain(err))
    );
  }
  _destroy(err, done) {
    const handle = this.handle;
    this.handle = void 0;
    if (!handle) return done(err);
    handle.close().then(
      () => done(err),
      () => done(err)
    );
  }
};

// src/source/open.ts
function sourceTitle(config) {
  return { build: "Build", bake: "Bake", image: "Export image", rootfs: "Read rootfs" }[config.kind];
}
async function openSource(config, log, signal, cache) {
  switch (config.kind) {
    case "rootfs":
      return openRootfsFile(config.rootfs);
    case "image": {
      const started = performance.now();
      const daemon = ensureDaemon("image", config.image, signal);
      daemon.catch(() => {
      });
      const source = await exportImage(config.image, config.platform, log, signal, daemon);
      const ms = performance.now() - started;
      return { ...source, before: { stage: "prepare (pull if missing)", ms } };
    }
    case "build":
      await ensureDaemon("context", config.build.context, signal);
      return build(config.build, log, signal, cache);
    case "bake":
      await ensureDaemon("targets", config.bake.target, signal);
      return bake(config.bake, log, signal);
  }
}

// src/packages/package-diff.ts
import { Buffer as Buffer12 } from "node:buffer";

// src/packages/version-compare.ts
import { Buffer as Buffer11 } from "node:buffer";
var isDigit2 = (c3) => c3 >= 48 && c3 <= 57;
var isAlpha2 = (c3) => c3 >= 65 && c3 <= 90 || c3 >= 97 && c3 <= 122;
function order(c3) {
  if (c3 === void 0) return 0;
  if (isDigit2(c3)) return 0;
  if (isAlpha2(c3)) return c3;
  if (c3 === 126) return -1;
  return (c3 >= 128 ? c3 - 256 : c3) + 256;
}
function verrevcmp(a2, b) {
  let i2 = 0;
  let j = 0;
  while (i2 < a2.length || j < b.length) {
    let firstDiff = 0;
    while (i2 < a2.length && !isDigit2(a2[i2]) || j < b.length && !isDigit2(b[j])) {
      const ac = order(a2[i2]);
      const bc = order(b[j]);
      if (ac !== bc) return ac - bc;
      i2++;
      j++;
    }
    while (a2[i2] === 48) i2++;
    while (b[j] === 48) j++;
    while (i2 < a2.length && j < b.length && isDigit2(a2[i2]) && isDigit2(b[j])) {
      if (!firstDiff) firstDiff = a2[i2] - b[j];
      i2++;
      j++;
    }
    if (i2 < a2.length && isDigit2(a2[i2])) return 1;
    if (j < b.length && isDigit2(b[j])) return -1;
    if (firstDiff) return firstDiff;
  }
  return 0;
}
function parseDebianVersion(v) {
  const s = v.trim();
  const colon = s.indexOf(":");
  const hasEpoch = colon >= 0 && /^[0-9]+$/.test(s.slice(0, colon));
  const rest = hasEpoch ? s.slice(colon + 1) : s;
  const hyphen = rest.lastIndexOf("-");
  return {
    epoch: hasEpoch ? Number(s.slice(0, colon)) : 0,
    upstream: Buffer11.from(hyphen < 0 ? rest : rest.slice(0, hyphen), "utf8"),
    revision: Buffer11.from(hyphen < 0 ? "" : rest.slice(hyphen + 1), "utf8")
  };
}
function compareDebianVersions(a2, b) {
  if (a2 === b) return 0;
  const x = parseDebianVersion(a2);
  const y = parseDebianVersion(b);
  if (x.epoch !== y.epoch) return x.epoch > y.epoch ? 1 : -1;
  return Math.sign(verrevcmp(x.upstream, y.upstream) || verrevcmp(x.revision, y.revision));
}
var isAsciiAlnum = (c3) => isDigit2(c3) || isAlpha2(c3);
var TILDE = 126;
var CARET = 94;
function compareRpmVersions(a2, b) {
  if (a2 === b) return 0;
  let i2 = 0;
  let j = 0;
  const at = (s, k) => k < s.length ? s.charCodeAt(k) : 0;
  while (i2 < a2.length || j < b.length) {
    while (i2 < a2.length && !isAsciiAlnum(at(a2, i2)) && at(a2, i2) !== TILDE && at(a2, i2) !== CARET) i2++;
    while (j < b.length && !isAsciiAlnum(at(b, j)) && at(b, j) !== TILDE && at(b, j) !== CARET) j++;
    if (at(a2, i2) === TILDE || at(b, j) === TILDE) {
      if (at(a2, i2) !== TILDE) return 1;
      if (at(b, j) !== TILDE) return -1;
      i2++;
      j++;
      continue;
    }
    if (at(a2, i2) === CARET || at(b, j) === CARET) {
      if (i2 >= a2.length) return -1;
      if (j >= b.length) return 1;
      if (at(a2, i2) !== CARET) return 1;
      if (at(b, j) !== CARET) return -1;
      i2++;
      j++;
      continue;
    }
    if (i2 >= a2.length || j >= b.length) break;
    const numeric2 = isDigit2(at(a2, i2));
    const inSegment = numeric2 ? isDigit2 : isAlpha2;
    let ei = i2;
    let ej = j;
    while (ei < a2.length && inSegment(at(a2, ei))) ei++;
    while (ej < b.length && inSegment(at(b, ej))) ej++;
    if (ej === j) return numeric2 ? 1 : -1;
    let one = a2.slice(i2, ei);
    let two = b.slice(j, ej);
    if (numeric2) {
      one = one.replace(/^0+/, "");
      two = two.replace(/^0+/, "");
      if (one.length !== two.length) return one.length > two.length ? 1 : -1;
    }
    if (one !== two) return one < two ? -1 : 1;
    i2 = ei;
    j = ej;
  }
  if (i2 >= a2.length && j >= b.length) return 0;
  return i2 >= a2.length ? -1 : 1;
}
function parseRpmEvr(evr) {
  let s = 0;
  while (s < evr.length && isDigit2(evr.charCodeAt(s))) s++;
  const dash = evr.lastIndexOf("-");
  const releaseAt = dash >= s ? dash : -1;
  const hasEpoch = evr[s] === ":";
  const versionStart = hasEpoch ? s + 1 : 0;
  return {
    epoch: hasEpoch ? evr.slice(0, s) || "0" : null,
    version: evr.slice(versionStart, releaseAt < 0 ? void 0 : releaseAt),
    release: releaseAt < 0 ? null : evr.slice(releaseAt + 1)
  };
}
function compareRpmEvr(a2, b) {
  if (a2 === b) return 0;
  const x = parseRpmEvr(a2);
  const y = parseRpmEvr(b);
  const values = (p, q) => p === null ? q === null ? 0 : -1 : q === null ? 1 : compareRpmVersions(p, q);
  return values(x.epoch ?? "0", y.epoch ?? "0") || values(x.version, y.version) || values(x.release, y.release);
}

// src/packages/package-diff.ts
var PackageListError = class extends Error {
  name = "PackageListError";
};
var DPKG_HEADER = "Desired=Unknown/Install/Remove/Purge/Hold";
var DPKG_RULER = /^\+\+\+-(=+)-(=+)-(=+)-(=+)$/;
var DPKG_FLAGS = /^[uihrp][ncHUFWti][ R]$/;
function parsePackageEntries(text2) {
  if (text2 === "") return { kind: void 0, packages: [] };
  const lines2 = text2.split("\n");
  if (lines2.at(-1) === "") lines2.pop();
  if (lines2[0] === DPKG_HEADER) return { kind: "dpkg", packages: parseDpkgList(lines2) };
  return { kind: "rpm", packages: lines2.map((line, i2) => parseRpmLine(line, i2 + 1)) };
}
function parseDpkgList(lines2) {
  const ruler = DPKG_RULER.exec(lines2[4] ?? "");
  if (!ruler || !lines2[3]?.startsWith("||/ "))
    throw new PackageListError("packages.txt starts like dpkg -l output but its header is not dpkg -l\u2019s");
  const widths = [ruler[1].length, ruler[2].length, ruler[3].length];
  const packages = [];
  for (let i2 = 5; i2 < lines2.length; i2++) {
    const row = lines2[i2];
    const flags = row.slice(0, 3);
    if (!DPKG_FLAGS.test(flags) || row[3] !== " ")
      throw new PackageListError(`packages.txt line ${i2 + 1} is not a dpkg -l row: ${JSON.stringify(row)}`);
    if (flags[1] === "c") continue;
    const [name, version, arch] = dpkgColumns(row, widths, i2 + 1);
    const colon = name.indexOf(":");
    packages.push({
      key: name,
      name: colon < 0 ? name : name.slice(0, colon),
      arch: arch === "<empty>" ? null : arch,
      version
    });
  }
  return packages;
}
function dpkgColumns(row, widths, lineNo) {
  const bytes = /^[\x00-\x7f]*$/.test(row) ? null : Buffer12.from(row, "utf8");
  const length = bytes ? bytes.length : row.length;
  const slice = (start, end) => bytes ? bytes.subarray(start, end).toString("utf8") : row.slice(start, end);
  const fields = [];
  let at = 4;
  let aligned = true;
  for (const width of widths) {
    const sep3 = at + width;
    if (sep3 < length && slice(sep3, sep3 + 1) !== " ") aligned = false;
    fields.push(slice(at, sep3).replace(/ +$/, ""));
    at = sep3 + 1;
  }
  if (aligned && fields[0] !== "" && !fields[0].includes(" ")) return fields;
  const words2 = row.slice(4).split(/ +/);
  if (words2.length < 3 || words2[0] === "")
    throw new PackageListError(`packages.txt line ${lineNo} is not a dpkg -l row: ${JSON.stringify(row)}`);
  return [words2[0], words2[1], words2[2]];
}
function parseRpmLine(line, lineNo) {
  const releaseDash = line.lastIndexOf("-");
  const versionDash = releaseDash > 0 ? line.lastIndexOf("-", releaseDash - 1) : -1;
  if (versionDash <= 0 || /\s/.test(line))
    throw new PackageListError(
      `packages.txt line ${lineNo} is neither dpkg -l output nor an rpm -qa name-version-release.arch: ${JSON.stringify(line)}`
    );
  const name = line.slice(0, versionDash);
  const version = line.slice(versionDash + 1, releaseDash);
  let release = line.slice(releaseDash + 1);
  let arch = null;
  const dot = release.lastIndexOf(".");
  if (dot >= 0 && name !== "gpg-pubkey") {
    arch = release.slice(dot + 1);
    release = release.slice(0, dot);
  }
  return { key: arch === null ? name : `${name}.${arch}`, name, arch, version: `${version}-${release}` };
}
function groupByKey(packages) {
  const grouped = /* @__PURE__ */ new Map();
  for (const p of packages) {
    const versions = grouped.get(p.key);
    if (versions) versions.push(p.version);
    else grouped.set(p.key, [p.version]);
  }
  return grouped;
}
var versionComparator = (kind) => kind === "rpm" ? compareRpmEvr : (a2, b) => compareDebianVersions(noneToEmpty(a2), noneToEmpty(b));
var noneToEmpty = (v) => v === "<none>" ? "" : v;
var byName = (a2, b) => a2.name < b.name ? -1 : a2.name > b.name ? 1 : 0;
function diffPackages(previous, current) {
  const before = parsePackageEntries(previous);
  const after = parsePackageEntries(current);
  const kind = after.kind ?? before.kind;
  const diff = { kind, added: [], removed: [], upgraded: [], downgraded: [], changed: [] };
  const comparable = before.kind === void 0 || after.kind === void 0 || before.kind === after.kind;
  const cmp2 = versionComparator(kind);
  const change = (name, from, to) => {
    if (from === to) return;
    const c3 = cmp2(from, to);
    (c3 < 0 ? diff.upgraded : c3 > 0 ? diff.downgraded : diff.changed).push({ name, from, to });
  };
  const pairable = (key) => comparable && !(kind === "rpm" && key === "gpg-pubkey");
  const old = groupByKey(before.packages);
  const now = groupByKey(after.packages);
  const lookup = new Map([...before.packages, ...after.packages].map((p) => [p.key, p]));
  const gone = [];
  const fresh2 = [];
  for (const key of /* @__PURE__ */ new Set([...old.keys(), ...now.keys()])) {
    const was = [...old.get(key) ?? []];
    const is = [...now.get(key) ?? []];
    if (comparable) {
      for (let i2 = was.length - 1; i2 >= 0; i2--) {
        const j = is.indexOf(was[i2]);
        if (j >= 0) {
          was.splice(i2, 1);
          is.splice(j, 1);
        }
      }
    }
    if (was.length === 1 && is.length === 1 && pairable(key)) {
      change(key, was[0], is[0]);
      continue;
    }
    const entry = (version) => ({ ...lookup.get(key), version });
    if (is.length === 0 && old.has(key) && !now.has(key)) gone.push(...was.map(entry));
    else if (was.length === 0 && now.has(key) && !old.has(key)) fresh2.push(...is.map(entry));
    else {
      diff.removed.push(...was.map((version) => ({ name: key, version })));
      diff.added.push(...is.map((version) => ({ name: key, version })));
    }
  }
  const byBareName = (list) => {
    const m = /* @__PURE__ */ new Map();
    for (const p of list) m.set(p.name, [...m.get(p.name) ?? [], p]);
    return m;
  };
  const goneByName = byBareName(gone);
  const freshByName = byBareName(fresh2);
  for (const p of gone) {
    const was = goneByName.get(p.name);
    const is = freshByName.get(p.name);
    if (was.length === 1 && is?.length === 1 && pairable(p.key)) change(is[0].key, p.version, is[0].version);
    else diff.removed.push({ name: p.key, version: p.version });
  }
  for (const p of fresh2) {
    const was = goneByName.get(p.name);
    const is = freshByName.get(p.name);
    if (!(is.length === 1 && was?.length === 1 && pairable(was[0].key)))
      diff.added.push({ name: p.key, version: p.version });
  }
  const sort = (list, version) => list.sort((a2, b) => byName(a2, b) || cmp2(version(a2), version(b)));
  sort(diff.added, (x) => x.version);
  sort(diff.removed, (x) => x.version);
  for (const list of [diff.upgraded, diff.downgraded, diff.changed]) sort(list, (x) => x.from);
  return diff;
}
function code(s) {
  const cell = s.replaceAll("|", "\\|");
  return s.includes("`") ? `\`\` ${cell} \`\`` : `\`${cell}\``;
}
var escapeText = (s) => s.replace(/[\\`*_[\]<>|~&]/g, (c3) => `\\${c3}`);
function formatPackageDiff(diff, options = {}) {
  const max = Math.max(0, options.max ?? 200);
  const heading = options.heading ?? "### Package changes";
  const since = options.since === void 0 ? "since the previous version" : `since ${escapeText(options.since)}`;
  const out = heading ? [heading, ""] : [];
  const counts = [
    `${diff.added.length} added`,
    `${diff.removed.length} removed`,
    `${diff.upgraded.length} upgraded`
  ];
  if (diff.downgraded.length > 0) counts.push(`${diff.downgraded.length} downgraded`);
  if (diff.changed.length > 0) counts.push(`${diff.changed.length} changed`);
  const total = diff.added.length + diff.removed.length + diff.upgraded.length + diff.downgraded.length + diff.changed.length;
  if (total === 0) {
    out.push(`No packages added, removed or changed ${since}.`);
    return out.join("\n") + "\n";
  }
  out.push(`${counts.join(", ")} ${since}.`);
  const rows = [
    ...diff.added.map((p) => ["added", p.name, "", p.version]),
    ...diff.removed.map((p) => ["removed", p.name, p.version, ""]),
    ...diff.downgraded.map((p) => ["downgraded", p.name, p.from, p.to]),
    ...diff.changed.map((p) => ["changed", p.name, p.from, p.to]),
    ...diff.upgraded.map((p) => ["upgraded", p.name, p.from, p.to])
  ];
  if (max > 0) {
    out.push("", "| Change | Package | From | To |", "| --- | --- | --- | --- |");
    for (const [kind, name, from, to] of rows.slice(0, max))
      out.push(`| ${kind} | ${code(name)} | ${from ? code(from) : ""} | ${to ? code(to) : ""} |`);
  }
  if (rows.length > max) out.push("", `\u2026 and ${rows.length - max} more.`);
  return out.join("\n") + "\n";
}

// src/app/describe.ts
async function describeImage(streamed, databases, contract, config, plan, store, now, log, signal) {
  const { imageId, version } = plan.version;
  const files = [];
  const packages = await databases.read(streamed.files, imageId, signal);
  if (packages) files.push([PACKAGES_FILE, packages.listing]);
  const packageChanges = packages ? await packagesSince(store, plan, packages.listing, log) : void 0;
  if (config.sbom) {
    const sbom = buildSbom({
      imageId,
      version,
      osRelease: osRelease(streamed.files),
      packages: packages?.sbom ?? [],
      timestamp: now,
      tool: TOOL
    });
    files.push([SBOM_FILE, serializeSbom(sbom)]);
    log.info(`${SBOM_FILE}: CycloneDX 1.6, ${packages?.sbom.length ?? 0} components`);
  }
  const verdict = contract ? checkContract(contract, packages?.names, config.contract, log) : void 0;
  if (verdict && config.contractJson) files.push([CONTRACT_FILE, verdict.file]);
  return { packages, contract: verdict?.document, packageChanges, files };
}
function checkContract(checker, names, mode, log) {
  const result = formatContractJson(checker.finish(names ? { names } : void 0), mode);
  for (const f of result.document.findings) {
    const line = `contract ${f.level} [${f.id}] ${f.message}${f.path ? ` (${f.path})` : ""}`;
    if (f.level === "error" || mode === "warn") log.warning(line);
    else log.info(line);
  }
  const { errors, warnings } = result.document;
  log.info(`contract: ${errors} errors, ${warnings} warnings (mode ${mode})`);
  if (result.document.failed) {
    const first = result.document.findings.filter((f) => f.level === "error");
    throw new InputError(
      "contract",
      mode,
      `the rootfs breaks metal-hammer's contract, so nothing was published: ${first.map((f) => `[${f.id}] ${f.message}`).join("; ")}. Fix the image, or set contract to warn to publish it anyway`
    );
  }
  return result;
}
async function packagesSince(store, plan, listing, log) {
  const previous = plan.decision.previous;
  if (!previous) return void 0;
  const folder = plan.imageDir === plan.indexDir ? plan.imageDir : `${plan.indexDir}/${previous.split(".").at(-1)}`;
  const before = await store.read(`${folder}/${PACKAGES_FILE}`);
  if (!before) return void 0;
  try {
    const diff = diffPackages(before.toString("latin1"), listing.toString("latin1"));
    const since = `${plan.placement.osName}-${previous}`;
    log.info(
      `packages since ${since}: ${diff.added.length} added, ${diff.removed.length} removed, ${diff.upgraded.length} upgraded, ${diff.downgraded.length} downgraded`
    );
    return formatPackageDiff(diff, { since });
  } catch (err) {
    if (!(err instanceof PackageListError)) throw err;
    log.warning(`The previous ${PACKAGES_FILE} in ${store.url(folder)} cannot be read: ${err.message}`);
    return void 0;
  }
}

// src/app/run-options.ts
var Phases = class {
  timings = [];
  log;
  constructor(log) {
    this.log = log;
  }
  /** A log group whose time is not a stage of its own. */
  group(title, fn) {
    return this.log.group(title, fn);
  }
  /** A log group whose time is reported as `stage`. */
  run(title, stage, fn) {
    return this.log.group(title, async () => {
      const start = performance.now();
      try {
        return await fn();
      } finally {
        this.timings.push({ stage, ms: performance.now() - start });
      }
    });
  }
};

// src/app/publish.ts
async function publish(config, store, options) {
  const { log, signal, ctx } = options;
  const phases = new Phases(log);
  const cannotTest = testPrerequisites(config.test);
  if (cannotTest) throw new StageError("test", cannotTest);
  const buildInfo = config.buildInfo ? Promise.resolve(ctx.head ?? gitHead(ctx.cwd)) : void 0;
  buildInfo?.catch(() => {
  });
  const plan = await makePlan(config, store, ctx);
  const { version } = plan;
  log.info(
    `Image ${version.imageId} (semver ${version.semver}) to ${store.url(plan.imageDir)}/${plan.decision.previous ? `, after ${plan.decision.previous}` : ""}; compression level ${config.compressionLevel}`
  );
  if (plan.decision.action === "skip") return skipped(plan, store, log);
  const exclusive = config.layout === "versioned" && plan.decision.action === "publish";
  const tx = await store.begin([plan.imageDir], { exclusive, log });
  const set = new ImageSet(tx, store, plan.imageDir, options.localCopy, log);
  const stop = tx.signal;
  const databases = new PackageDatabases({ log });
  let source;
  let cleaned;
  const cleanup = () => cleaned ??= source?.cleanup() ?? Promise.resolve();
  let test;
  let publishedIn;
  try {
    const built = config.source.kind === "build" ? config.source.build : void 0;
    const cache = config.cache && built ? await phases.group(
      "Build cache",
      () => restoreCache(built, `${config.osName}-${config.osVersion}`, log)
    ) : void 0;
    if (options.localCopy) await mkdir3(options.localCopy, { recursive: true });
    const opened = await phases.group(
      sourceTitle(config.source),
      () => openSource(config.source, log, stop, cache?.use)
    );
    source = opened;
    if (opened.before) phases.timings.push(opened.before);
    const contract = config.contract !== "off" ? new ContractChecker() : void 0;
    if (config.test.mode !== "off") test = ImageTest.start(config.test, { log, signal, now: ctx.now });
    const streamed = await phases.run(
      opened.streamsBuild ? "Build, export and compress (one stream)" : "Export and compress",
      "stream: export, inspect, compress, hash, write",
      () => set.naming(
        streamRootfs(opened, set.imageStream(test?.input), {
          level: config.compressionLevel,
          checksums: config.checksums,
          buildInfo: buildInfo?.then(
            (head) => buildInfoYaml({ date: ctx.now, imageId: version.imageId, version: version.version, ...head })
          ),
          capture: (path6, size) => databases.capture(path6, size),
          stream: (path6, size) => databases.stream(path6, size),
          contract,
          log,
          signal: stop,
          progressIntervalMs: options.progressIntervalMs
        })
      )
    );
    const registry = await opened.pushed?.();
    if (!cache) cleanup().catch(() => {
    });
    if (opened.streamsBuild && streamed.firstByteMs !== void 0)
      phases.timings.splice(-1, 0, { stage: "build (until the first rootfs byte)", ms: streamed.firstByteMs });
    const described = await phases.run(
      "Packages, SBOM and contract",
      "packages.txt, SBOM, contract",
      () => describeImage(streamed, databases, contract, config, plan, store, ctx.now, log, signal)
    );
    const tested = test && await testImage(test, config.test.mode, phases);
    const files = await phases.run("Publish", "publish", async () => {
      stop.throwIfAborted();
      for (const [name, data] of described.files) await set.write(name, data);
      for (const alg of config.checksums)
        await set.write(checksumFile(alg), checksumLine(streamed.checksums[alg]));
      return set.commit(
        plan,
        { md5: streamed.md5, size: streamed.size },
        config.versionsJson,
        () => decideAgain(config, store, options, plan, streamed.md5)
      );
    });
    if (typeof files === "string") return raced(plan, store, files, streamed, phases);
    publishedIn = store.url(plan.imageDir);
    const cacheNote = cache && built ? await phases.group(
      "Build cache",
      () => saveCache(cache, opened, built, log, signal).catch((err) => {
        if (signal.aborted) throw err;
        log.warning(`Build cache: not saved: ${errorMessage(err)}`);
        return `not saved: ${errorMessage(err)}`;
      })
    ) : void 0;
    return {
      ...imageFacts(plan, store, streamed),
      files,
      method: opened.method,
      ...registry ? { registry } : {},
      timings: phases.timings,
      localFiles: set.localFiles([
        IMAGE_FILE,
        ...config.checksums.map(checksumFile),
        ...described.packages ? [PACKAGES_FILE] : []
      ]),
      build: {
        rootfsSize: streamed.rootfsSize,
        compressionLevel: config.compressionLevel,
        packages: described.packages?.count,
        contract: described.contract,
        cache: cacheNote,
        packageChanges: described.packageChanges,
        test: tested,
        testLogs: test?.logFiles()
      }
    };
  } catch (err) {
    await tx.abort();
    if (err instanceof CommitFailure) throw err;
    if (publishedIn) {
      const what2 = signal.aborted ? `cancelled (${String(signal.reason)})` : errorMessage(err);
      throw new StageError(
        signal.aborted ? "cancel" : "publish",
        `${what2} after the new set was published in ${publishedIn}/`,
        { cause: err }
      );
    }
    if (signal.aborted)
      throw new StageError("cancel", `cancelled: nothing was published (${String(signal.reason)})`);
    if (stop.aborted) throw new StageError("store", `${errorMessage(stop.reason)}: nothing was published`);
    throw test?.explain(err) ?? err;
  } finally {
    await test?.close();
    databases.dispose();
    await cleanup();
    tx.end();
  }
}
async function testImage(test, mode, phases) {
  return phases.group(mode === "boot" ? "Test: install and boot" : "Test: install", async () => {
    try {
      return await test.finish();
    } finally {
      phases.timings.push(...test.timings);
    }
  });
}
function planFacts(plan) {
  return {
    imageId: plan.version.imageId,
    version: plan.version.version,
    semver: plan.version.semver,
    previous: plan.decision.previous,
    releaseTag: plan.releaseTag,
    channel: plan.channel.join("/")
  };
}
async function skipped(plan, store, log) {
  const path6 = `${plan.imageDir}/${IMAGE_FILE}`;
  const entry = plan.index.versions.find((e) => e.version === plan.version.version);
  const md5 = entry?.md5 ?? (await store.read(`${path6}.md5`))?.toString().slice(0, 32) ?? "";
  log.info(`${plan.version.imageId} already exists at ${store.url(path6)}; on-conflict is skip: nothing built`);
  return {
    ...planFacts(plan),
    url: store.url(path6),
    md5,
    checksums: { md5 },
    size: entry?.size ?? 0,
    files: [],
    method: "skipped: this version already exists",
    timings: []
  };
}
async function decideAgain(config, store, options, plan, md5) {
  let now;
  try {
    now = await makePlan(config, store, options.ctx);
  } catch (err) {
    if (!(err instanceof InputError) || !["date", "on-conflict"].includes(err.input)) throw err;
    const there = parseChecksumLine((await store.read(`${plan.imageDir}/${MD5_FILE}`))?.toString());
    if (there === md5)
      return `another run published the same image (md5 ${md5}) to ${store.url(plan.imageDir)}/ first: nothing to do`;
    throw new StageError(
      "store",
      `lost the race for ${store.url(plan.imageDir)}/: another run published there while this one was building (${err.message.replace(/^input "[^"]+"( = "[^"]*")?: /, "")}); nothing of this run was published, the other run's files are untouched`
    );
  }
  if (now.decision.action === "skip")
    return `${now.version.imageId} was published by another run while this one was building; on-conflict is skip: nothing published`;
  return void 0;
}
function imageFacts(plan, store, streamed) {
  return {
    ...planFacts(plan),
    url: store.url(`${plan.imageDir}/${IMAGE_FILE}`),
    md5: streamed.md5,
    checksums: streamed.checksums,
    size: streamed.size
  };
}
function raced(plan, store, reason, streamed, phases) {
  return {
    ...imageFacts(plan, store, streamed),
    files: [],
    method: reason,
    timings: phases.timings
  };
}
var ImageSet = class {
  sizes = /* @__PURE__ */ new Map();
  tx;
  store;
  dir;
  copyDir;
  log;
  /** Errors of the image's write streams, and where each was writing. */
  streamErrors = /* @__PURE__ */ new WeakMap();
  constructor(tx, store, dir, copyDir, log) {
    this.tx = tx;
    this.store = store;
    this.dir = dir;
    this.copyDir = copyDir;
    this.log = log;
  }
  /** Where the image is written: the store, the local copy, and `test` (the image test's input). */
  imageStream(test) {
    const toStore = this.watch(this.tx.createWriteStream(`${this.dir}/${IMAGE_FILE}`), this.storeDir());
    const copies = [
      ...this.copyDir ? [this.watch(doneByCallback(createWriteStream4(join14(this.copyDir, IMAGE_FILE))), this.copyDir)] : [],
      ...test ? [test] : []
    ];
    return copies.length ? new Tee(toStore, ...copies) : toStore;
  }
  /** The stream's failure, when it was writing the image, says so: `cannot write img.tar.lz4 to ...: the disk is full`. */
  async naming(streaming) {
    return streaming.catch((err) => {
      const where = err instanceof Error ? this.streamErrors.get(err) : void 0;
      throw where && isSystemError(err) ? failure("store", `write ${IMAGE_FILE} to ${where}`, err) : err;
    });
  }
  async write(name, data) {
    const named2 = (where) => (err) => {
      throw isSystemError(err) ? failure("store", `write ${name} to ${where}`, err) : err;
    };
    await this.tx.writeFile(`${this.dir}/${name}`, data).catch(named2(this.storeDir()));
    if (this.copyDir) await writeFile6(join14(this.copyDir, name), data).catch(named2(this.copyDir));
    this.sizes.set(name, data.length);
  }
  /** The destination folder as the user wrote it: a path for a local one. */
  storeDir() {
    const url = this.store.url(this.dir);
    return url.startsWith("file://") ? fileURLToPath5(url) : url;
  }
  watch(stream, where) {
    stream.on("error", (err) => this.streamErrors.set(err, where));
    return stream;
  }
  /**
   * Puts the set in place with its versions.json entry, under the folder's lock (store/commit.ts), once
   * `decide` agrees. Returns the published files, or why nothing was published.
   */
  async commit(plan, image, index, decide) {
    const at = (name) => `${this.dir}/${name}`;
    const roles = setCommit([IMAGE_FILE, ...this.sizes.keys()]);
    const outcome = await this.tx.commit({
      lockDir: plan.indexDir,
      image: at(IMAGE_FILE),
      companions: roles.companions.map(at),
      seal: roles.seal.map(at),
      retract: roles.retract.map(at),
      obsolete: roles.obsolete.map(at),
      index: index ? indexUpdate(plan.indexDir, plan.placement, {
        version: plan.version.version,
        imageId: plan.version.imageId,
        md5: image.md5,
        size: image.size,
        published: (/* @__PURE__ */ new Date()).toISOString(),
        path: plan.imageDir === plan.indexDir ? IMAGE_FILE : `${plan.version.date}/${IMAGE_FILE}`
      }) : void 0,
      decide
    });
    if (!outcome.committed) {
      this.log.info(outcome.reason);
      return outcome.reason;
    }
    this.sizes.set(IMAGE_FILE, image.size);
    const published = roles.order.map((name) => ({
      name,
      url: this.store.url(at(name)),
      bytes: this.sizes.get(name)
    }));
    for (const f of published) this.log.info(`${f.url} (${formatBytes(f.bytes)})`);
    return published;
  }
  /** Where the image's files are on this machine: the copy's folder, or the destination folder itself. */
  localFiles(names) {
    if (this.copyDir) return { folder: this.copyDir, names };
    const url = this.store.url(`${this.dir}/${IMAGE_FILE}`);
    if (url.startsWith("file://")) return { folder: dirname3(fileURLToPath5(url)), names };
    return void 0;
  }
};

// src/app/run.ts
var STOP_GRACE_MS = 1200;
async function runImage(config, options = {}) {
  const full = {
    ...options,
    log: options.log ?? silentLog,
    signal: options.signal ?? new AbortController().signal,
    ctx: options.ctx ?? localContext()
  };
  const store = await openStore(config.destination, config.store, {
    signal: full.signal,
    log: full.log,
    ...options.storeTuning ? { tuning: options.storeTuning } : {}
  });
  const job = config.mode === "promote" ? promote(config, store, full.log) : publish(config, store, full);
  return store.signal ? abandonAfter(
    job,
    store.signal,
    STOP_GRACE_MS,
    (reason) => new StageError(
      "store",
      `${errorMessage(reason)}: ${currentNotes().join("; ") || "nothing was published"}`
    )
  ) : job;
}
function localContext() {
  return { now: /* @__PURE__ */ new Date(), cwd: process.cwd(), run: void 0, head: void 0 };
}
async function credentialsFound(destination, endpoint = "") {
  return (await findCredentials(destination, { endpoint })).found;
}
async function withCancellation(fn, graceMs = STOP_GRACE_MS) {
  const abort = new AbortController();
  let forced;
  const cancel = (signal) => {
    if (abort.signal.aborted) return forced?.(cancelled(signal));
    abort.abort(signal);
  };
  process.on("SIGINT", cancel);
  process.on("SIGTERM", cancel);
  const early = takeHeldSignal();
  if (early) cancel(early);
  try {
    return await abandonAfter(
      fn(abort.signal),
      abort.signal,
      graceMs,
      (reason) => cancelled(String(reason)),
      (reject) => forced = reject
    );
  } finally {
    holdSignals();
    process.off("SIGINT", cancel);
    process.off("SIGTERM", cancel);
  }
}
function cancelled(signal) {
  const notes = currentNotes();
  return new StageError(
    "cancel",
    `cancelled (${signal}): stopped; ${notes.length > 0 ? notes.join("; ") : "nothing new was published, temporary files removed"}`
  );
}
function abandonAfter(job, signal, graceMs, why, expose) {
  return new Promise((resolve8, reject) => {
    let timer;
    let settled = false;
    const giveUp = (err) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      signal.removeEventListener("abort", onAbort);
      runExitCleanups();
      reject(err);
    };
    const onAbort = () => {
      timer = setTimeout(() => giveUp(why(signal.reason)), graceMs);
    };
    expose?.(giveUp);
    if (signal.aborted) onAbort();
    else signal.addEventListener("abort", onAbort, { once: true });
    job.then(
      (value) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        signal.removeEventListener("abort", onAbort);
        resolve8(value);
      },
      (err) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        signal.removeEventListener("abort", onAbort);
        reject(err);
      }
    );
  });
}

// src/config/inputs.ts
var INPUTS = {
  context: {
    description: "Build context: a folder (or a git/https URL docker understands).",
    default: "."
  },
  file: { description: "Path of the Dockerfile.", defaultText: "<context>/Dockerfile" },
  "build-args": { description: "Build arguments, one KEY=VALUE per line." },
  target: { description: "Build stage to export (docker build --target)." },
  platform: { description: "Platform of the image to build or export.", default: "linux/amd64" },
  "no-cache": { description: "Build without using the build cache.", default: "false" },
  pull: { description: "Always pull newer versions of the base images.", default: "false" },
  labels: { description: "Image labels, one KEY=VALUE per line." },
  buildkit: {
    description: `Build with BuildKit (the docker driver's image exported, else its tar exporter streamed): "auto" (when buildx, or a classic docker client with built-in BuildKit, is there), "true" (required), "false" (the legacy builder, then the image's filesystem).`,
    default: "auto"
  },
  "bake-files": {
    description: "Bake files for `targets`, one per line (later ones override earlier ones, as docker buildx bake merges them).",
    defaultText: "docker-bake.hcl (with targets)"
  },
  targets: {
    description: "Build this target of the bake files with docker buildx bake (as bake builds it: inherited attributes, named contexts, `target:` contexts, variables from the environment) and publish its rootfs. One target: the action publishes one image. The bake file's own outputs are not used: the rootfs streams to the action (no tar on disk), a registry push comes from `push` or `set`."
  },
  set: {
    description: "Overrides in docker buildx bake's --set syntax, one per line (e.g. `_common.output+=type=registry`, as metal-images writes it): `+=` appends, also where buildx (before 0.22) cannot; an output line that pushes (type=registry, type=image with push=true) pushes the target."
  },
  "build-contexts": {
    description: "Named build contexts, one name=value per line (a folder, docker-image://..., an URL; with targets also target:...), as buildx --build-context."
  },
  secrets: {
    description: "Build secrets, one id=VALUE per line, for RUN --mount=type=secret,id=... (buildx --secret); values are written to a private temporary file and never logged. An empty value is an error."
  },
  "secret-files": {
    description: "Build secrets from files, one id=PATH per line; a missing file is an error."
  },
  "secret-envs": {
    description: "Build secrets from environment variables, one id=VARIABLE per line; an unset or empty variable is an error (buildx would pass an empty secret)."
  },
  ssh: {
    description: "SSH agent sockets or keys for RUN --mount=type=ssh, e.g. default (buildx --ssh)."
  },
  builder: {
    description: "The buildx builder to build with (docker-container, kubernetes, remote, a docker context). Empty: the current one."
  },
  "cache-from": { description: "External cache sources, one per line (buildx --cache-from)." },
  "cache-to": {
    description: "Cache export destinations, one per line (buildx --cache-to; the docker driver exports none). The input cache is GitHub's cache made easy."
  },
  network: { description: "Network mode for RUN instructions (docker build --network)." },
  "add-hosts": { description: "Custom host-to-IP mappings, host:ip (docker build --add-host)." },
  platforms: {
    description: "build-push-action's name for platform: one platform (the action publishes one image per platform)."
  },
  push: {
    description: "Also push the image to a registry from the same build (BuildKit, buildx), under tags. A failed push fails the run before anything is published.",
    default: "false"
  },
  tags: {
    description: "Image names to push, one per line or comma-separated (e.g. ghcr.io/metal-stack/debian:13-stable). With targets: replace the target's tags."
  },
  provenance: {
    description: "Provenance attestation, as buildx --provenance: true, false, or its options (mode=max). Needs a builder that makes attestations (not the docker driver)."
  },
  "sbom-attestation": {
    description: "SBOM attestation, as buildx --sbom (build-push-action's sbom input; sbom here is the SBOM file beside the image): true, false or options."
  },
  attests: {
    description: "Attestations, one per line in buildx --attest syntax (type=provenance,mode=max)."
  },
  image: {
    description: "Export this existing image's own filesystem (local, or pulled if missing) instead of building."
  },
  rootfs: {
    description: "Use this existing uncompressed rootfs tar (e.g. written by docker buildx bake) instead of building; a pipe works too, and `-` is standard input (`docker export c | metal-image --rootfs -`)."
  },
  "os-name": {
    description: "Operating system name, the first folder below the channel, e.g. debian, ubuntu, firewall, capms-ubuntu (required)."
  },
  "os-version": {
    description: "The version folder below os-name, as metal-images names it: one to three numbers, optionally with words that belong to the OS, e.g. 13, 26.04, 3.0-ubuntu, 1.32.9 (required). The folder keeps it as written; the image id is derived from it (see Versions)."
  },
  "image-name": {
    description: "The OS part of the image id. Empty: os-name, plus the words of os-version (firewall + 3.0-ubuntu -> firewall-ubuntu-3.0.<YYYYMMDD>)."
  },
  destination: {
    description: "Where the image goes: gs://BUCKET/PREFIX, s3://BUCKET/PREFIX, or a local directory or file:// URL (default ./images). Files land in <destination>/<channel>/<os-name>/<os-version>/.",
    defaultText: "./images"
  },
  endpoint: {
    description: "S3-compatible endpoint URL for an s3:// destination (MinIO, Ceph, R2, Swift, ...); path-style addressing is used when it is set. Empty: AWS."
  },
  "cache-control": {
    description: "Cache-Control of the published objects (metal-images uses no-store).",
    default: "no-store"
  },
  acl: {
    description: "S3 canned ACL for the objects, e.g. public-read. Empty: the bucket's own policy."
  },
  "predefined-acl": {
    description: "GCS predefined ACL for the objects, e.g. publicRead. Empty: the bucket's own policy."
  },
  "upload-timeout": {
    description: "Time budget for publishing to a bucket, retries of transient errors included, in seconds or with a unit (90s, 30m, 1h).",
    default: "1h"
  },
  channel: {
    description: "Folder under the destination, e.g. stable. Empty: derived from the workflow run (default branch: stable, pull request: pull_requests/<number>-<branch>, release or tag: the tag, other branches: the branch); none outside GitHub Actions."
  },
  layout: {
    description: "flat: <os-name>/<os-version>/ holds the latest build (metal-images today); versioned: <os-name>/<os-version>/<YYYYMMDD>/ keeps every build.",
    default: "flat"
  },
  date: {
    description: "The version's patch: empty for the UTC date of the build, commit for the date of the checked-out commit (rebuilding a commit gives the same version), or an explicit YYYYMMDD."
  },
  "on-conflict": {
    description: "When this version already exists: fail, overwrite or skip (no build, outputs of the existing one). Default: overwrite for the flat layout, fail for versioned.",
    defaultText: "overwrite (flat), fail (versioned)"
  },
  "versions-from-tags": {
    description: "Also count git tags named <os-name>-<version> (e.g. debian-12.0.20261125) as existing versions.",
    default: "false"
  },
  mode: {
    description: "publish: build and publish an image. promote: copy the image of from-channel to to-channel (as metal-images does for releases), md5-checked.",
    default: "publish"
  },
  "from-channel": { description: "promote: the channel to copy from, e.g. stable." },
  "to-channel": { description: "promote: the channel to copy to, e.g. a release tag like 20261125." },
  contract: {
    description: "What to do when the rootfs breaks metal-hammer's contract (kernel and initrd for kexec, installer, infrastructure packages, hygiene, SSH host keys): error (fail, publish nothing), warn, or off.",
    default: "error"
  },
  checksums: {
    description: "Checksum files beside the image, any of md5, sha256, sha512 (comma- or newline-separated), each as img.tar.lz4.<alg> in <alg>sum format. md5 is always written: metal-hammer checks it.",
    default: "md5"
  },
  sbom: {
    description: "Write sbom.cdx.json beside the image: a CycloneDX 1.6 SBOM with one component per installed package.",
    default: "true"
  },
  "contract-json": {
    description: "Write contract.json (the findings of the contract check) beside the image; the check itself runs as contract says.",
    default: "true"
  },
  "versions-json": {
    description: "Keep versions.json in <os-name>/<os-version>/: every version published there, with md5, size and time. With sbom, contract-json and this false, and checksums md5, the folder holds exactly what metal-images publishes: img.tar.lz4, img.tar.lz4.md5, packages.txt.",
    default: "true"
  },
  "build-info": {
    description: "Add /etc/metal/build.yaml to the rootfs (build date, image id, version, git repository, ref and commit), as metal-images writes it before its build; an existing one is replaced.",
    default: "true"
  },
  cache: {
    description: "Restore a build cache before the build and save it after (kept with actions/cache), keyed on the Dockerfile, build args, platform and context: a local BuildKit cache with buildx, an image with its inline cache with the classic client. The legacy builder cannot cache; it says so once.",
    default: "false"
  },
  artifact: {
    description: "Upload img.tar.lz4, its checksum files and packages.txt as a workflow artifact: auto (when no destination is given, or its credentials are missing on a pull request from a fork), true, or false.",
    default: "auto"
  },
  "artifact-name": { description: "Name of the workflow artifact. Empty: the image id." },
  "artifact-retention-days": {
    description: "Days GitHub keeps the artifact (1-90). Empty: the repository's setting."
  },
  test: {
    description: "Test the image as metal-hammer installs it, before anything is published: off; install (extract the published img.tar.lz4 with metal-hammer's LZ4 and tar rules into a scratch root with /proc, /sys, /dev and a tmpfs /tmp mounted, write /etc/metal/install.yaml, run /install-go or /install.sh chrooted as root, check that /etc/metal/boot-info.yaml names a kernel and an initrd that exist); boot (then boot that kernel, initrd and command line in QEMU from a disk of the installed root until test-success appears on the serial console). A failed test publishes nothing. Needs root or passwordless sudo; boot also needs qemu-system-x86_64 and mke2fs.",
    default: "off"
  },
  "test-install-yaml": {
    description: "test: a file with the /etc/metal/install.yaml to write instead of the generated one (hostname, networks, machineuuid, sshpublickey, password, console, root_uuid, ...). Its root_uuid, console password and first NIC's MAC are used for the boot disk, the login and the VM."
  },
  "test-timeout": {
    description: "test: time for the installer to finish, and again for the boot to reach test-success and run test-command; seconds or with a unit (90s, 30m, 1h).",
    default: "10m"
  },
  "test-success": {
    description: "test: boot: a regular expression (JavaScript) a line of the serial console must match for the boot to pass; colors are removed, and the unfinished last line counts (a login prompt). Default: systemd reaching multi-user.target, or a login prompt.",
    default: DEFAULT_SUCCESS
  },
  "test-command": {
    description: `test: boot: a shell command to run in the booted system once test-success appeared, logged in on the serial console as "metal" with the console password of install.yaml (the user metal-stack's installers create); a non-zero exit fails the test.`
  },
  "compression-level": {
    description: "LZ4 level as the lz4 command means it: 1-2 fast, 3-12 high compression. 9, as metal-images (lz4 -9): the image machines download is smaller; 1 is several times faster for pull-request builds.",
    default: "9"
  }
};
var OUTPUTS = {
  "image-id": "Image id as metal-stack uses it: <os-name>-<major>.<minor>.<YYYYMMDD>.",
  version: "The version part of the image id: <major>.<minor>.<YYYYMMDD>.",
  url: "Where img.tar.lz4 went.",
  md5: "MD5 of img.tar.lz4 (lowercase hex), as in img.tar.lz4.md5.",
  size: "Size of img.tar.lz4 in bytes.",
  "rootfs-size": "Size of the uncompressed rootfs tar in bytes.",
  packages: "Number of packages in packages.txt (empty when the image has no dpkg database).",
  semver: "The version normalised to semver (20.04.20201026 -> 20.4.20201026), as metal-api compares it.",
  previous: "The newest version that already existed for this os-name and major.minor (empty if none).",
  "release-tag": "The next release tag in metal-images' YYYYMMDD form, given the repository's git tags.",
  channel: "The channel the files went to (empty: none).",
  sha256: "SHA-256 of img.tar.lz4 (lowercase hex) when checksums asks for it; empty otherwise.",
  sha512: "SHA-512 of img.tar.lz4 (lowercase hex) when checksums asks for it; empty otherwise.",
  contract: 'The contract check as one line of JSON: {"mode", "passed", "failed", "errors", "warnings", "findings": [{"id", "level", "message", "path"}]}; also written as contract.json.',
  digest: "Digest of the image manifest pushed to the registry (empty when nothing was pushed).",
  tags: "The names the image was pushed under, one per line (empty when nothing was pushed).",
  "test-result": 'The image test as one line of JSON: {"mode", "passed", "installer", "kernel", "initrd", "cmdline", "accel", "successLine", "command": {"exitCode", "output"}, "seconds": {"extract", "install", "disk", "boot", "command"}}; when it failed (the step failed too) {"passed": false, "phase", "message"}; empty when test is off.',
  "artifact-id": "Id of the uploaded workflow artifact (empty when none was uploaded).",
  "artifact-url": "Where the workflow artifact can be downloaded (empty when none was uploaded).",
  metadata: "All outputs as one JSON object."
};

// src/config/parse.ts
function parseInputs(read) {
  const get = (name) => {
    const raw = read(name).trim();
    const spec = INPUTS[name];
    return raw === "" ? spec.default ?? "" : raw;
  };
  const platform2 = parsePlatform(read, get);
  const source = parseSource(read, get, platform2);
  const layout = oneOf("layout", get("layout"), ["flat", "versioned"]);
  const mode = oneOf("mode", get("mode"), ["publish", "promote"]);
  const conflict = get("on-conflict");
  const channel = get("channel");
  const [fromChannel, toChannel] = ["from-channel", "to-channel"].map((name) => {
    const value = get(name);
    if (mode === "promote" && value === "")
      throw new InputError(name, value, "is required with mode: promote");
    if (mode !== "promote" && value !== "")
      throw new InputError(name, value, "only applies with mode: promote");
    return channelSegments(value, name);
  });
  if (mode === "promote" && fromChannel.join("/") === toChannel.join("/"))
    throw new InputError("to-channel", toChannel.join("/"), "must differ from from-channel");
  const target = {
    osName: parseOsName(get("os-name")),
    osVersion: parseOsVersion(get("os-version")),
    imageName: parseImageName(get("image-name")),
    destination: get("destination") || "images",
    destinationGiven: get("destination") !== "",
    store: {
      endpoint: parseEndpoint(get("endpoint")),
      cacheControl: get("cache-control"),
      acl: get("acl"),
      predefinedAcl: get("predefined-acl"),
      uploadTimeoutMs: parseDuration("upload-timeout", get("upload-timeout"))
    },
    layout,
    date: parseDate(get("date")),
    // Flat folders hold one build, overwritten by the next (metal-images); versioned ones keep each.
    // A promotion never replaces a target unless asked.
    onConflict: conflict === "" ? mode === "promote" || layout === "versioned" ? "fail" : "overwrite" : oneOf("on-conflict", conflict, ["fail", "overwrite", "skip"]),
    versionsJson: parseBoolean("versions-json", get("versions-json"))
  };
  if (layout === "versioned" && !datedVersion(target.osVersion))
    throw new InputError(
      "layout",
      layout,
      `os-version ${target.osVersion} has three numbers, which leave no room for the build date in the version: the versioned layout needs a dated version; use layout flat`
    );
  const publish2 = {
    mode: "publish",
    ...target,
    source,
    compressionLevel: parseLevel(get("compression-level")),
    channel: channel === "" ? void 0 : channelSegments(channel),
    versionsFromTags: parseBoolean("versions-from-tags", get("versions-from-tags")),
    contract: oneOf("contract", get("contract"), ["error", "warn", "off"]),
    checksums: parseChecksums(get("checksums")),
    sbom: parseBoolean("sbom", get("sbom")),
    contractJson: parseBoolean("contract-json", get("contract-json")),
    buildInfo: parseBoolean("build-info", get("build-info")),
    artifact: {
      mode: oneOf("artifact", get("artifact"), ["auto", "true", "false"]),
      name: get("artifact-name"),
      retentionDays: parseRetention(get("artifact-retention-days"))
    },
    cache: parseBoolean("cache", get("cache")),
    test: parseTest(get)
  };
  if (publish2.cache && source.kind === "bake")
    throw new InputError("cache", "true", "applies to plain builds; with targets use cache-from and cache-to");
  if (publish2.cache && source.kind === "build" && (source.build.buildx.cacheFrom.length > 0 || source.build.buildx.cacheTo.length > 0))
    throw new InputError(
      "cache",
      "true",
      "give either cache or cache-from/cache-to: both would pick the build cache"
    );
  if (mode === "publish") return publish2;
  const promote2 = { mode: "promote", ...target, fromChannel, toChannel };
  return promote2;
}
function parseTest(get) {
  const mode = oneOf("test", get("test"), ["off", "install", "boot"]);
  const success = get("test-success");
  let pattern;
  try {
    pattern = new RegExp(success);
  } catch (err) {
    throw new InputError("test-success", success, `is not a regular expression: ${err.message}`);
  }
  const command = get("test-command");
  if (command !== "" && mode !== "boot")
    throw new InputError("test-command", "", "only applies with test: boot");
  const installYaml2 = get("test-install-yaml");
  if (installYaml2 !== "" && mode === "off")
    throw new InputError("test-install-yaml", installYaml2, "only applies with test: install or boot");
  return {
    mode,
    installYaml: installYaml2 || void 0,
    timeoutMs: parseDuration("test-timeout", get("test-timeout")),
    command: command || void 0,
    success: pattern
  };
}
function parseRetention(value) {
  if (value === "") return void 0;
  const days = Number(value);
  if (!/^\d+$/.test(value) || days < 1 || days > 90)
    throw new InputError("artifact-retention-days", value, "expected a whole number of days from 1 to 90");
  return days;
}
function parseChecksums(value) {
  const wanted = /* @__PURE__ */ new Set(["md5"]);
  for (const name of value.split(/[\s,]+/).filter(Boolean)) {
    const alg = name.toLowerCase();
    if (!CHECKSUM_ALGORITHMS.includes(alg))
      throw new InputError("checksums", value, `"${name}" is not one of md5, sha256, sha512`);
    wanted.add(alg);
  }
  return CHECKSUM_ALGORITHMS.filter((alg) => wanted.has(alg));
}
function parseEndpoint(value) {
  if (value === "") return "";
  try {
    const url = new URL(value);
    if (url.protocol === "http:" || url.protocol === "https:") return value;
  } catch {
  }
  throw new InputError("endpoint", value, "expected an http:// or https:// URL, e.g. https://s3.example.com");
}
function parseDuration(name, value) {
  const m = /^(\d+(?:\.\d+)?)\s*(s|m|h)?$/.exec(value);
  const ms = m ? Math.round(Number(m[1]) * { s: 1e3, m: 6e4, h: 36e5 }[m[2] ?? "s"]) : 0;
  if (ms < 1e3)
    throw new InputError(
      name,
      value,
      "expected a duration of at least 1 s: seconds, or a number with s, m or h (e.g. 90s, 30m, 1h)"
    );
  return ms;
}
function oneOf(name, value, allowed) {
  if (allowed.includes(value)) return value;
  throw new InputError(name, value, `expected ${allowed.slice(0, -1).join(", ")} or ${allowed.at(-1)}`);
}
function parseDate(value) {
  if (value === "") return { kind: "today" };
  if (value === "commit") return { kind: "commit" };
  if (isCalendarDate(value)) return { kind: "fixed", date: value };
  throw new InputError(
    "date",
    value,
    "expected empty (today, UTC), commit, or a real calendar date as YYYYMMDD"
  );
}
function parseOsName(value) {
  if (value === "")
    throw new InputError("os-name", value, "is required, e.g. debian, ubuntu or firewall-ubuntu");
  if (!/^[a-z][a-z0-9]*(-[a-z0-9]+)*$/.test(value) || value.length > 63)
    throw new InputError(
      "os-name",
      value,
      'expected lowercase letters and digits in words joined by "-", starting with a letter (e.g. debian, firewall-ubuntu)'
    );
  return value;
}
function parseOsVersion(value) {
  if (value === "")
    throw new InputError("os-version", value, "is required, e.g. 13, 26.04, 3.0-ubuntu or 1.32.9");
  if (value.length > 63 || !OS_VERSION.test(value))
    throw new InputError(
      "os-version",
      value.length > 80 ? `${value.slice(0, 80)}...` : value,
      'expected one to three numbers joined by ".", optionally followed by lowercase words joined by "-" (e.g. 13, 26.04, 3.0-ubuntu, 1.32.9), at most 63 characters'
    );
  return value;
}
function parseImageName(value) {
  if (value === "") return "";
  if (!/^[a-z][a-z0-9]*(-[a-z0-9]+)*$/.test(value) || value.length > 63)
    throw new InputError(
      "image-name",
      value,
      'expected lowercase letters and digits in words joined by "-", starting with a letter (e.g. firewall-ubuntu): the image id is <image-name>-<version>'
    );
  return value;
}
function parseLevel(value) {
  if (!/^[0-9]+$/.test(value) || Number(value) < 1 || Number(value) > MAX_LEVEL)
    throw new InputError(
      "compression-level",
      value,
      `expected a number from 1 to ${MAX_LEVEL} (1-${HC_MIN_LEVEL - 1} fast, ${HC_MIN_LEVEL}-${MAX_LEVEL} high compression)`
    );
  return Number(value);
}
function parseBoolean(name, value) {
  if (["true", "True", "TRUE"].includes(value)) return true;
  if (["false", "False", "FALSE", ""].includes(value)) return false;
  throw new InputError(name, value, "expected true or false");
}
function parseKeyValues(name, value) {
  const pairs = [];
  value.split(/\r?\n/).forEach((raw, i2) => {
    const line = raw.trim();
    if (line === "") return;
    const eq = line.indexOf("=");
    if (eq <= 0)
      throw new InputError(name, "", `line ${i2 + 1} is not KEY=VALUE: expected one KEY=VALUE per line`);
    pairs.push([line.slice(0, eq), line.slice(eq + 1)]);
  });
  return pairs;
}
var BAKE_NAME = /^[A-Za-z0-9_][A-Za-z0-9_-]*$/;
function named(input, value, expected, pattern = /^[^\s-][^\s]*$/) {
  if (!pattern.test(value) || new RegExp("\\p{Cc}", "u").test(value))
    throw new InputError(input, value, `expected ${expected}`);
  return value;
}
var rawOf = (read, name) => read(name).trim();
var SECRET_VALUES = /* @__PURE__ */ new Set(["build-args", "secrets", "secret-files", "secret-envs"]);
function parsePlatform(read, get) {
  const platforms = inputList(rawOf(read, "platforms"));
  if (platforms.length > 1)
    throw new InputError(
      "platforms",
      platforms.join(","),
      "one platform: the action publishes one image per platform (use a matrix for several)"
    );
  const given = rawOf(read, "platform");
  if (platforms.length === 1 && given !== "" && given !== platforms[0])
    throw new InputError("platforms", platforms[0], `differs from platform "${given}": give one of them`);
  const platform2 = platforms[0] ?? get("platform");
  const name = platforms.length === 1 ? "platforms" : "platform";
  if (!/^[a-z0-9]+\/[a-z0-9_]+(\/[a-z0-9]+)?$/.test(platform2))
    throw new InputError(name, platform2, "expected os/arch[/variant], e.g. linux/amd64 or linux/arm64");
  return platform2;
}
function parseSource(read, get, platform2) {
  const given = (name) => rawOf(read, name) !== "";
  const image = get("image");
  const rootfs = get("rootfs");
  const targets = inputList(rawOf(read, "targets"));
  if (image && rootfs) throw new InputError("rootfs", rootfs, 'give either "image" or "rootfs", not both');
  const other = image ? "image" : rootfs ? "rootfs" : void 0;
  if (other && targets.length > 0)
    throw new InputError("targets", targets.join(","), `give either "targets" or "${other}", not both`);
  for (const name of ["bake-files", "set"])
    if (given(name) && targets.length === 0)
      throw new InputError(name, get(name), 'applies to docker buildx bake: give "targets" too');
  const buildOnly = [
    "file",
    "build-args",
    "target",
    "labels",
    ...BUILDX_INPUTS,
    "push",
    "pull",
    "no-cache"
  ];
  const switches = /* @__PURE__ */ new Set(["push", "pull", "no-cache"]);
  const notForOther = buildOnly.filter(
    (name) => switches.has(name) ? parseBoolean(name, get(name)) : given(name)
  );
  if (other && notForOther.length > 0) {
    const name = notForOther[0];
    const value = SECRET_VALUES.has(name) ? "" : get(name);
    throw new InputError(name, value, `only applies when building; it cannot be combined with "${other}"`);
  }
  if (rootfs) return { kind: "rootfs", rootfs, platform: platform2 };
  if (image)
    return {
      kind: "image",
      image: named(
        "image",
        image,
        "an image reference such as debian:12 or registry.example/os/debian@sha256:..."
      ),
      platform: platform2
    };
  const buildkit = get("buildkit");
  if (buildkit !== "auto" && buildkit !== "true" && buildkit !== "false")
    throw new InputError("buildkit", buildkit, "expected auto, true or false");
  const buildx = parseBuildxOptions(read, get);
  const buildArgs2 = parseKeyValues("build-args", get("build-args"));
  const labels = parseKeyValues("labels", get("labels")).map(([k, v]) => `${k}=${v}`);
  const noCache = parseBoolean("no-cache", get("no-cache"));
  const pull = parseBoolean("pull", get("pull"));
  if (targets.length === 0) {
    if (buildx.push && buildx.tags.length === 0)
      throw new InputError("tags", "", "push: true needs at least one tag to push the image under");
    if (!buildx.push && buildx.tags.length > 0)
      throw new InputError("tags", buildx.tags.join(","), "only applies with push: true");
    return {
      kind: "build",
      platform: platform2,
      build: {
        // A folder named like a flag (`--help`) is a folder: docker reads it as a flag otherwise.
        context: get("context").startsWith("-") ? `./${get("context")}` : get("context"),
        file: get("file"),
        buildArgs: buildArgs2,
        target: get("target"),
        platform: platform2,
        noCache,
        pull,
        labels,
        buildkit,
        buildx
      }
    };
  }
  if (targets.length > 1)
    throw new InputError(
      "targets",
      targets.join(","),
      "one target: the action publishes one image per run (use a matrix for several)"
    );
  const plainOnly = ["context", "file", "network", "add-hosts"].filter(given);
  if (plainOnly.length > 0) {
    const name = plainOnly[0];
    const why = name === "context" || name === "file" ? "the bake target says what to build" : "docker buildx bake (0.13) has no such attribute";
    throw new InputError(name, get(name), `does not apply with "targets": ${why}`);
  }
  if (buildkit === "false")
    throw new InputError(
      "buildkit",
      buildkit,
      'docker buildx bake is BuildKit: "targets" needs buildkit auto or true'
    );
  return {
    kind: "bake",
    platform: platform2,
    bake: {
      files: lines(get("bake-files")).length > 0 ? lines(get("bake-files")) : ["docker-bake.hcl"],
      target: named("targets", targets[0], "a bake target's name (letters, digits, _ and -)", BAKE_NAME),
      set: lines(get("set")),
      buildArgs: buildArgs2,
      labels,
      stage: get("target"),
      platform: platform2,
      noCache,
      pull,
      buildx
    }
  };
}
var BUILDX_INPUTS = [
  "builder",
  "build-contexts",
  "secrets",
  "secret-files",
  "secret-envs",
  "ssh",
  "cache-from",
  "cache-to",
  "network",
  "add-hosts",
  "tags",
  "provenance",
  "sbom-attestation",
  "attests"
];
function parseBuildxOptions(read, get) {
  const raw = (name) => rawOf(read, name);
  const pairs = (name, list) => list.map((item, i2) => {
    const eq = item.indexOf("=");
    if (eq <= 0 || eq === item.length - 1)
      throw new InputError(name, name === "secrets" ? "" : item, `entry ${i2 + 1} is not name=value`);
    return [item.slice(0, eq), item.slice(eq + 1)];
  });
  const secrets = [
    // Not trimmed: a secret's value is taken as written (build-push-action does the same).
    ...pairs("secrets", inputList(read("secrets"), { ignoreComma: true, trim: false })).map(
      ([id, source]) => ({ id, kind: "value", source, input: "secrets" })
    ),
    ...pairs("secret-files", inputList(raw("secret-files"), { ignoreComma: true })).map(
      ([id, source]) => ({ id, kind: "file", source, input: "secret-files" })
    ),
    ...pairs("secret-envs", inputList(raw("secret-envs"))).map(([id, source]) => ({
      id,
      kind: "env",
      source,
      input: "secret-envs"
    }))
  ];
  const seen = /* @__PURE__ */ new Set();
  for (const secret of secrets) {
    if (seen.has(secret.id))
      throw new InputError(secret.input, "", `secret id "${secret.id}" is given more than once`);
    seen.add(secret.id);
  }
  const attests = [
    ...canonicalAttest("provenance", raw("provenance"), "provenance"),
    ...canonicalAttest("sbom", raw("sbom-attestation"), "sbom-attestation"),
    ...inputList(raw("attests"), { ignoreComma: true }).map((spec) => {
      if (!/^type=[a-z]+(,|$)/.test(spec))
        throw new InputError("attests", spec, "expected type=<provenance|sbom>[,options] per line");
      return { spec, input: "attests" };
    })
  ];
  return {
    builder: raw("builder") && named("builder", raw("builder"), "a buildx builder's name"),
    contexts: pairs("build-contexts", inputList(raw("build-contexts"), { ignoreComma: true })),
    secrets,
    ssh: inputList(raw("ssh")),
    cacheFrom: inputList(raw("cache-from"), { ignoreComma: true }),
    cacheTo: inputList(raw("cache-to"), { ignoreComma: true }),
    network: raw("network"),
    addHosts: inputList(raw("add-hosts")),
    attests,
    push: parseBoolean("push", get("push")),
    tags: inputList(raw("tags"))
  };
}
function canonicalAttest(type, value, input) {
  if (value === "") return [];
  const lower = value.toLowerCase();
  if (["true", "false", "1", "0"].includes(lower))
    return [{ spec: `type=${type},disabled=${lower === "false" || lower === "0"}`, input }];
  return [{ spec: `type=${type},${value}`, input }];
}
function lines(value) {
  return value.split(/\r?\n/).map((l) => l.trim()).filter((l) => l !== "");
}
function inputList(value, options = {}) {
  const items = [];
  for (const record of csvRecords(value)) {
    if (options.ignoreComma) items.push(record.join(","));
    else items.push(...record);
  }
  return items.map((item) => options.trim === false ? item : item.trim()).filter((item) => item.trim() !== "");
}

// src/github/artifact.ts
import { statSync as statSync3 } from "node:fs";
import { isAbsolute as isAbsolute3, relative as relative2, resolve as resolve7, sep as sep2 } from "node:path";
var ARTIFACT_COMPRESSION_LEVEL = 0;
var NOT_IN_NAMES = '"<>|*?:\\/\r\n';
async function uploadImageArtifact(artifact) {
  const { name, files, rootDirectory, retentionDays, log, github } = artifact;
  const bad = [...name].find((c3) => NOT_IN_NAMES.includes(c3));
  if (name === "" || bad !== void 0)
    throw new InputError(
      "artifact-name",
      name,
      name === "" ? "must not be empty" : `must not contain ${JSON.stringify(bad)} (GitHub refuses any of ${JSON.stringify(NOT_IN_NAMES)})`
    );
  checkFiles(files, rootDirectory);
  if (retentionDays !== void 0 && !(Number.isInteger(retentionDays) && retentionDays >= 1))
    throw new InputError(
      "artifact-retention-days",
      String(retentionDays),
      "must be a whole number of days, at least 1"
    );
  const missing = github.missingForArtifacts;
  if (missing.length > 0)
    throw new StageError(
      "artifact",
      `Cannot upload the workflow artifact ${name}: ${missing.join(", ")} ${missing.length === 1 ? "is" : "are"} not set. The runner sets these for JavaScript actions only: use the action (uses:), not the CLI in a run: step.`
    );
  const { DefaultArtifactClient } = await import("./artifact-7TLNPJCL.js");
  const client = new DefaultArtifactClient();
  const started = Date.now();
  let response;
  try {
    response = await client.uploadArtifact(name, files, rootDirectory, {
      compressionLevel: ARTIFACT_COMPRESSION_LEVEL,
      ...retentionDays === void 0 ? {} : { retentionDays }
    });
  } catch (err) {
    throw new StageError("artifact", `Uploading the workflow artifact ${name} failed: ${errorMessage(err)}`, {
      cause: err
    });
  }
  const { id, size, digest } = response;
  if (id === void 0 || !Number.isSafeInteger(id))
    throw new StageError(
      "artifact",
      `The workflow artifact ${name} was uploaded but GitHub returned no id for it`
    );
  const url = `${github.runUrl}/artifacts/${id}`;
  log.info(
    `Workflow artifact ${name}: ${formatBytes(size ?? 0)} in ${formatSeconds(Date.now() - started)}, ${url}`
  );
  return { id, url, size: size ?? 0, digest };
}
function checkFiles(files, rootDirectory) {
  if (files.length === 0) throw new StageError("artifact", "No files to put in the workflow artifact");
  if (!isAbsolute3(rootDirectory))
    throw new StageError("artifact", `The artifact's root directory must be absolute: ${rootDirectory}`);
  const root = resolve7(rootDirectory);
  for (const file of files) {
    const rel = relative2(root, resolve7(file));
    if (!isAbsolute3(file) || rel === "" || rel === ".." || rel.startsWith(`..${sep2}`) || isAbsolute3(rel))
      throw new StageError("artifact", `${file} is not an absolute path inside ${root}`);
    if (!statSync3(file, { throwIfNoEntry: false })?.isFile())
      throw new StageError("artifact", `${file} is not a file: nothing to put in the workflow artifact`);
  }
}
function decideArtifact(mode, ctx) {
  if (mode === "false") return { upload: false, reason: 'input "artifact" is false' };
  if (!ctx.inGitHubActions) {
    if (mode === "true")
      throw new InputError(
        "artifact",
        mode,
        'workflow artifacts exist only in GitHub Actions (this run is not a GitHub Actions job); use "auto" or "false" here'
      );
    return {
      upload: false,
      reason: 'Not running in GitHub Actions: no workflow artifact is uploaded (input "artifact" is auto)'
    };
  }
  if (mode === "true") return { upload: true, reason: 'input "artifact" is true' };
  if (!ctx.destinationGiven)
    return { upload: true, reason: "no destination is given: the image is uploaded as a workflow artifact" };
  if (ctx.credentialsPresent)
    return { upload: false, reason: "the destination is given and its credentials are there: no artifact" };
  const fork = forkOfPullRequest(ctx.event);
  if (fork !== void 0)
    return {
      upload: true,
      reason: `pull request from the fork ${fork}: GitHub gives it no secrets, so the destination's credentials are missing; the image is uploaded as a workflow artifact instead`
    };
  return {
    upload: false,
    reason: "the destination's credentials are missing, but this is not a pull request from a fork: no artifact (set the credentials, or artifact: true)"
  };
}
var PULL_REQUEST_EVENTS = /* @__PURE__ */ new Set(["pull_request", "pull_request_review", "pull_request_review_comment"]);
function forkOfPullRequest(event) {
  if (!PULL_REQUEST_EVENTS.has(event.name)) return void 0;
  const pr = field(event.payload, "pull_request");
  if (pr === void 0) return void 0;
  const headRepo = field(field(pr, "head"), "repo");
  const baseRepo = field(field(pr, "base"), "repo");
  if (headRepo === null) return "(deleted fork)";
  const head = field(headRepo, "full_name");
  const base = field(baseRepo, "full_name");
  if (typeof head === "string" && typeof base === "string")
    return head.toLowerCase() === base.toLowerCase() ? void 0 : head;
  return field(headRepo, "fork") === true ? typeof head === "string" ? head : "(unknown fork)" : void 0;
}
function field(value, key) {
  return typeof value === "object" && value !== null ? value[key] : void 0;
}

// src/github/context.ts
import { readFileSync as readFileSync5 } from "node:fs";
var ARTIFACT_ENV = ["ACTIONS_RUNTIME_TOKEN", "ACTIONS_RESULTS_URL", "GITHUB_REPOSITORY", "GITHUB_RUN_ID"];
function githubContext(env = process.env) {
  let payload = {};
  try {
    if (env.GITHUB_EVENT_PATH) payload = JSON.parse(readFileSync5(env.GITHUB_EVENT_PATH, "utf8"));
  } catch {
  }
  const run = runContext(env, payload ?? {});
  const server = (env.GITHUB_SERVER_URL || "https://github.com").replace(/\/+$/, "");
  return {
    run,
    event: { name: env.GITHUB_EVENT_NAME ?? "", payload },
    head: run && env.GITHUB_SHA ? {
      repository: env.GITHUB_REPOSITORY ?? "",
      ref: commitRef(env),
      commit: env.GITHUB_SHA
    } : void 0,
    runUrl: env.GITHUB_REPOSITORY && env.GITHUB_RUN_ID ? `${server}/${env.GITHUB_REPOSITORY}/actions/runs/${env.GITHUB_RUN_ID}` : void 0,
    missingForArtifacts: ARTIFACT_ENV.filter((key) => !env[key]),
    runnerTemp: env.RUNNER_TEMP || "/tmp",
    stepSummary: env.GITHUB_STEP_SUMMARY || void 0
  };
}
function runContext(env, event) {
  if (env.GITHUB_ACTIONS !== "true" || !env.GITHUB_EVENT_NAME) return void 0;
  const pr = event.pull_request;
  return {
    eventName: env.GITHUB_EVENT_NAME,
    ref: env.GITHUB_REF ?? "",
    defaultBranch: event.repository?.default_branch,
    pullRequest: pr?.number !== void 0 ? { number: pr.number, headRef: pr.head?.ref ?? env.GITHUB_HEAD_REF ?? "" } : void 0,
    releaseTag: event.release?.tag_name
  };
}
function commitRef(env) {
  if (env.GITHUB_HEAD_REF) return env.GITHUB_HEAD_REF.slice(env.GITHUB_HEAD_REF.lastIndexOf("/") + 1);
  return (env.GITHUB_REF ?? "").split("/")[2] ?? "";
}

export {
  outputsOf,
  IMAGE_FILE,
  TestFailure,
  TOOL,
  runImage,
  credentialsFound,
  withCancellation,
  INPUTS,
  OUTPUTS,
  parseInputs,
  uploadImageArtifact,
  decideArtifact,
  githubContext
};
