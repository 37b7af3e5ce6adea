// Small helpers for building the pages' elements.

export const $ = (selector) => document.querySelector(selector);

export function el(name, { className, text, attrs } = {}) {
  const node = document.createElement(name);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  for (const [key, value] of Object.entries(attrs ?? {})) node.setAttribute(key, value);
  return node;
}

export function setText(node, text) {
  if (node && node.textContent !== text) node.textContent = text;
}
