// A tiny router over the history API. Client routes all live under /app.
import { useEffect, useState, type AnchorHTMLAttributes, type MouseEvent } from 'react';

const NAV_EVENT = 'taskagent:navigate';

export function currentPath(): string {
  return window.location.pathname + window.location.search;
}

export function navigate(to: string, opts: { replace?: boolean } = {}): void {
  if (to === currentPath()) return;
  if (opts.replace) window.history.replaceState(null, '', to);
  else window.history.pushState(null, '', to);
  window.dispatchEvent(new Event(NAV_EVENT));
}

export function usePath(): string {
  const [path, setPath] = useState(() => window.location.pathname);
  useEffect(() => {
    const update = () => setPath(window.location.pathname);
    window.addEventListener('popstate', update);
    window.addEventListener(NAV_EVENT, update);
    return () => {
      window.removeEventListener('popstate', update);
      window.removeEventListener(NAV_EVENT, update);
    };
  }, []);
  return path;
}

export type Route =
  | { name: 'login' }
  | { name: 'signup' }
  | { name: 'tasks' }
  | { name: 'chat'; threadId: string | null }
  | { name: 'task'; id: number }
  | { name: 'settings' }
  | { name: 'root' }
  | { name: 'notFound' };

export function matchRoute(path: string): Route {
  const p = path.replace(/\/+$/, '') || '/';
  if (p === '/') return { name: 'root' };
  if (p === '/app') return { name: 'tasks' };
  if (p === '/app/login') return { name: 'login' };
  if (p === '/app/signup') return { name: 'signup' };
  if (p === '/app/settings') return { name: 'settings' };
  if (p === '/app/chat') return { name: 'chat', threadId: null };
  let m = /^\/app\/chat\/([^/]+)$/.exec(p);
  if (m) return { name: 'chat', threadId: decodeURIComponent(m[1]) };
  m = /^\/app\/tasks\/(\d+)$/.exec(p);
  if (m) return { name: 'task', id: Number(m[1]) };
  return { name: 'notFound' };
}

type LinkProps = AnchorHTMLAttributes<HTMLAnchorElement> & { to: string; replace?: boolean };

export function Link({ to, replace, onClick, children, ...rest }: LinkProps) {
  const handle = (e: MouseEvent<HTMLAnchorElement>) => {
    onClick?.(e);
    if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
    e.preventDefault();
    navigate(to, { replace });
  };
  return (
    <a href={to} onClick={handle} {...rest}>
      {children}
    </a>
  );
}
