/** A response body as JSON: undefined when it is empty or not JSON (callers then report the raw text). */
export function jsonOrUndefined(text: string): unknown {
  if (text === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
