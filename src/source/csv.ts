/**
 * CSV as buildx and build-push-action read it: docker's `type=image,"name=a,b",push=true` option
 * strings, and the action inputs' lists (csv-parse with relaxed quotes). A field that starts with `"` runs
 * to the next lone `"` (`""` is a quote; newlines inside are kept); a quote elsewhere is an ordinary
 * character. Records are lines; blank lines are skipped.
 */
export function csvRecords(text: string): string[][] {
  const records: string[][] = []
  let record: string[] = []
  let field = ''
  let quoted = false
  let atFieldStart = true
  const endRecord = (): void => {
    record.push(field)
    if (record.length > 1 || record[0] !== '') records.push(record)
    record = []
    field = ''
    atFieldStart = true
  }
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"'
        i++
      } else if (c === '"') quoted = false
      else field += c
    } else if (c === '"' && atFieldStart) {
      quoted = true
      atFieldStart = false
    } else if (c === ',') {
      record.push(field)
      field = ''
      atFieldStart = true
    } else if (c === '\n' || (c === '\r' && text[i + 1] === '\n')) {
      if (c === '\r') i++
      endRecord()
    } else {
      field += c
      atFieldStart = false
    }
  }
  if (field !== '' || record.length > 0) endRecord()
  return records
}

/** The fields of one option string (`type=tar,dest=-`): one CSV record. */
export function csvFields(text: string): string[] {
  return csvRecords(text.replace(/\r?\n/g, ' '))[0] ?? []
}

/** One CSV field, quoted when it has to be (a comma, a quote, a leading quote or space). */
export function csvField(value: string): string {
  return /[",\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value
}
