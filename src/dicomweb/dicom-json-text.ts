// DICOM JSON text with the attributes of every object in tag order (PS3.18 F.2). JSON.stringify cannot do it: JavaScript
// orders integer-like keys such as "60000010" before all others.
export function dicomJsonText(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(dicomJsonText).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const record = value as Record<string, unknown>;
    const keys = Object.keys(record).filter((k) => record[k] !== undefined).sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${dicomJsonText(record[k])}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}
