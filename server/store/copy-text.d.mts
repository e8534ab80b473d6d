/** The COPY text (text format) of `rows` (objects, or their JSON texts), taking `fields` of each in order. */
export function copyText(rows: readonly (object | string)[], fields: readonly string[]): string;
