/**
 * HTML built from a tagged template that escapes every interpolated value unless it is already
 * {@link SafeHtml}. The only way to put markup into a page is through `html\`…\``, so a value
 * from a registration, a vault record or a provider can never become markup.
 *
 * @example
 *   const row = html`<li>${gateway.name}</li>`;          // name is escaped
 *   const list = html`<ul>${rows}</ul>`;                 // arrays of SafeHtml are joined
 */

/** Markup that is already safe to emit. Construct it only through {@link html}. */
export class SafeHtml {
  readonly #text: string;
  /** @internal use `html\`…\`` */
  constructor(text: string) {
    this.#text = text;
  }
  toString(): string {
    return this.#text;
  }
}

/** Escapes `& < > " '` (enough for element content and quoted attribute values). */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

type Interpolation = SafeHtml | string | number | boolean | null | undefined | readonly Interpolation[];

function render(value: Interpolation): string {
  if (value === null || value === undefined || value === false) return '';
  if (value instanceof SafeHtml) return value.toString();
  if (Array.isArray(value)) return value.map(render).join('');
  return escapeHtml(String(value));
}

/** Tagged template: literal parts are trusted, interpolations are escaped (`null`/`undefined`/`false` render nothing). */
export function html(strings: TemplateStringsArray, ...values: Interpolation[]): SafeHtml {
  let out = strings[0] ?? '';
  for (let i = 0; i < values.length; i++) out += render(values[i] as Interpolation) + (strings[i + 1] ?? '');
  return new SafeHtml(out);
}
