// The page's CSP allows a <style> element only with this response's nonce (the API writes it into
// <meta name="csp-nonce">). antd's CSS-in-JS is given it through ConfigProvider, but some of its
// helpers (the scrollbar measurement of tables, the scroll lock of modals) insert style elements
// of their own without one. Every style element this app's scripts insert gets the nonce here.
// Markup parsed from HTML never passes through these methods, so injected <style> stays blocked.

export function pageNonce(): string | undefined {
  const value = document.querySelector('meta[name="csp-nonce"]')?.getAttribute('content') ?? '';
  return value === '' || value.startsWith('__') ? undefined : value;
}

export function stampStyleElements(nonce: string): void {
  const stamp = (node: Node) => {
    if (node instanceof HTMLStyleElement && node.nonce === '') node.nonce = nonce;
  };
  const { appendChild, insertBefore } = Node.prototype;
  Node.prototype.appendChild = function <T extends Node>(this: Node, node: T): T {
    stamp(node);
    return appendChild.call(this, node) as T;
  };
  Node.prototype.insertBefore = function <T extends Node>(this: Node, node: T, child: Node | null): T {
    stamp(node);
    return insertBefore.call(this, node, child) as T;
  };
}
