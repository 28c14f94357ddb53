/** A small element builder: text children are text nodes, never HTML, so captured data cannot inject markup. */
type Child = Node | string | number | null | undefined | false;
type Attributes = Record<string, string | number | boolean | null | undefined | ((event: Event) => void)>;

export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attributes: Attributes = {}, ...children: (Child | Child[])[]): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === null || value === undefined || value === false) continue;
    if (typeof value === 'function') element.addEventListener(name.replace(/^on/, ''), value);
    else if (value === true) element.setAttribute(name, '');
    else element.setAttribute(name, String(value));
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    element.appendChild(typeof child === 'object' ? child : document.createTextNode(String(child)));
  }
  return element;
}

/** Time of day with milliseconds, e.g. `14:03:07.215`. */
export function clockTime(epochMs: number): string {
  const date = new Date(epochMs);
  const pad = (value: number, width = 2) => String(value).padStart(width, '0');
  return `${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}.${pad(date.getMilliseconds(), 3)}`;
}

/**
 * Form controls by their value and disabled state. The Workers types in this project redeclare
 * `Element` (HTMLRewriter's), which breaks `HTMLSelectElement` as a DOM type: read controls
 * through this narrow view instead.
 */
export interface FormField {
  value: string;
  disabled: boolean;
}

export const formField = (root: Element, selector: string) => root.querySelector(selector) as unknown as FormField;

export const formFields = (root: Element, selector: string) => [...root.querySelectorAll(selector)] as unknown as FormField[];
