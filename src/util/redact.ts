/**
 * Credentials given as attributes of a buildx spec (`--cache-to type=gha,token=...`,
 * `type=s3,secret_access_key=...`, `type=azblob,account_key=...`), by their exact names (`fixture_token=`
 * names a secret's file, no credential), up to the next comma, quote or space.
 */
const CREDENTIAL_ATTRIBUTE =
  /\b(token|secret|secret_access_key|session_token|access_key_id|account_key|sas_token|password)=[^\s,"']+/gi

/**
 * Text as it may be shown anywhere (a log line, an error, the job summary): URLs without their
 * credentials (`https://user:secret@host` -> `https://***@host`) and without the values of their query
 * (a signed URL's token), no credential attributes of a buildx spec, and at most `max` characters (a
 * 100 KB input value is named, not echoed). Whatever says where the text came from (an endpoint, a destination, a library's error) passes here.
 */
export function redact(text: string, max = Number.POSITIVE_INFINITY): string {
  const shown = text
    .replace(/\b([a-z][a-z0-9+.-]*:\/\/)[^\s/@"'<>]*@/gi, '$1***@')
    .replace(/\b([a-z][a-z0-9+.-]*:\/\/[^\s"'<>?#]*)\?[^\s"'<>#]*/gi, '$1?***')
    .replace(CREDENTIAL_ATTRIBUTE, '$1=***')
  return shown.length <= max ? shown : `${shown.slice(0, max)}... (${text.length} characters)`
}

/**
 * A log line that cannot be a workflow command: the runner takes a line starting with `::` as one, and
 * `##[command]` anywhere in a line (its older syntax: ActionCommand.TryParse), so a value with a newline
 * (a path) or a build's output could set outputs or fake errors. A zero-width space keeps the text as it
 * reads.
 */
export function inert(text: string): string {
  return text.replace(/^(\s*):(?=:)/gm, '$1:\u200b').replaceAll('##[', '##\u200b[')
}
