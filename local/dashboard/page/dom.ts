/** Building elements and finding the page's parts: widgets ([data-widget]), their parts ([data-role]) and key figures ([data-kpi]). */

export interface Attrs {
  className?: string;
  title?: string;
  /** data-testid */
  testId?: string;
  style?: Partial<CSSStyleDeclaration>;
  /** data-* attributes, e.g. { key: 'sku-1' } for data-key. */
  data?: Readonly<Record<string, string | number>>;
}

export function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Attrs = {},
  ...children: (Node | string)[]
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  if (attrs.className !== undefined) node.className = attrs.className;
  if (attrs.title !== undefined) node.title = attrs.title;
  if (attrs.testId !== undefined) node.setAttribute('data-testid', attrs.testId);
  if (attrs.style) Object.assign(node.style, attrs.style);
  for (const [key, value] of Object.entries(attrs.data ?? {})) node.dataset[key] = String(value);
  node.append(...children);
  return node;
}

/** The element a selector names; the page's markup is fixed, so a missing one is a bug. */
export function requireElement(selector: string, root: ParentNode = document): HTMLElement {
  const node = root.querySelector<HTMLElement>(selector);
  if (!node) throw new Error(`the page has no ${selector}`);
  return node;
}

/** A widget's element: its parts, and the marks readers and tests look for. */
export interface WidgetFrame {
  readonly root: HTMLElement;
  part(role: string): HTMLElement;
  /** Marks the widget as showing an answer: value and the fixed question, for readers and tests. */
  shown(value: string | number | null | undefined, query: string, asOf: string): void;
  /** Says why the widget was not updated; it keeps what it showed. */
  fail(message: string): void;
}

export function widgetFrame(name: string): WidgetFrame {
  const root = requireElement(`[data-widget="${name}"]`);
  const part = (role: string) => requireElement(`[data-role="${role}"]`, root);
  return {
    root,
    part,
    shown(value, query, asOf) {
      root.dataset.value = value === null || value === undefined ? '' : String(value);
      root.dataset.query = query;
      root.dataset.asOf = asOf;
      root.dataset.ready = 'true';
      delete root.dataset.error;
      part('error').hidden = true;
    },
    fail(message) {
      const error = part('error');
      error.textContent = `Not updated: ${message}`;
      error.hidden = false;
      root.dataset.error = message;
    },
  };
}

/** Sets a key figure along the top of the page. */
export function setKpi(name: string, text: string): void {
  const node = document.querySelector(`[data-kpi="${name}"]`);
  if (node) node.textContent = text;
}

export function showNote(node: HTMLElement, notes: readonly string[]): void {
  node.textContent = notes.join(' ');
  node.hidden = notes.length === 0;
}

/** Sets a figure's text and its data-value, the number for readers and tests ('' when not known). */
export function showFigure(node: HTMLElement, text: string, value: number | null): void {
  node.textContent = text;
  node.dataset.value = value === null ? '' : String(value);
}
