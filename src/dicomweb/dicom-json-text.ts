// DICOM JSON text with the attributes of every data set in tag order (PS3.18 F.2). JSON.stringify cannot do it alone:
// JavaScript orders integer-like keys such as "20051085" before all others. Elements themselves have no such keys, so
// they go through the native JSON.stringify; only data sets (and sequence items) are ordered here.
type Element = { readonly vr?: string; readonly Value?: readonly unknown[] };

/** A data set, or an array of data sets, as text. */
export function dicomJsonText(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(dicomJsonText).join(',')}]`;
  return datasetText(value as Record<string, Element | undefined>);
}

function datasetText(dataset: Record<string, Element | undefined>): string {
  const keys = Object.keys(dataset).sort();
  let text = '{';
  for (const key of keys) {
    const element = dataset[key];
    if (element === undefined) continue;
    if (text.length > 1) text += ',';
    text += `${JSON.stringify(key)}:${elementText(element)}`;
  }
  return `${text}}`;
}

function elementText(element: Element): string {
  if (element.vr !== 'SQ' || !Array.isArray(element.Value)) return JSON.stringify(element);
  return `{"vr":"SQ","Value":[${element.Value.map((item) => datasetText(item as Record<string, Element | undefined>)).join(',')}]}`;
}
