/**
 * Parses PostgreSQL's text form of an array ('{1,2,"a b",NULL,{3,4}}') into nested arrays of the
 * elements' text (null for NULL), so each element can be encoded by its own type.
 */
export type ArrayText = (string | null | ArrayText)[];

export function parseArrayLiteral(text: string): ArrayText {
  // A lower bound other than 1 is written as a prefix: '[0:1]={a,b}'.
  const start = text.startsWith('[') ? text.indexOf('=') + 1 : 0;
  let i = start;
  const parseArray = (): ArrayText => {
    if (text[i] !== '{') throw new Error(`array literal expected "{" at ${i}: ${text}`);
    i++;
    const items: ArrayText = [];
    if (text[i] === '}') {
      i++;
      return items;
    }
    for (;;) {
      if (text[i] === '{') items.push(parseArray());
      else if (text[i] === '"') {
        i++;
        let value = '';
        while (text[i] !== '"') {
          if (i >= text.length) throw new Error(`unterminated quoted element: ${text}`);
          if (text[i] === '\\') i++;
          value += text[i];
          i++;
        }
        i++;
        items.push(value);
      } else {
        let end = i;
        while (end < text.length && text[end] !== ',' && text[end] !== '}') end++;
        const raw = text.slice(i, end).trim();
        items.push(raw.toUpperCase() === 'NULL' ? null : raw);
        i = end;
      }
      if (text[i] === ',') i++;
      else if (text[i] === '}') {
        i++;
        return items;
      } else throw new Error(`array literal expected "," or "}" at ${i}: ${text}`);
    }
  };
  return parseArray();
}
