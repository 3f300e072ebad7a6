import { useEffect, useState } from "preact/hooks";

/**
 * The dashboard's pages, each with its own URL, so deep links, reloads and
 * the back button work. The server answers index.html for exactly these
 * paths (src/server/dashboard.ts); the query string carries filters.
 */
export type Route =
  | { readonly page: "projects"; readonly archived: boolean }
  | { readonly page: "queue"; readonly projectId: bigint; readonly query: URLSearchParams }
  | { readonly page: "sweep"; readonly projectId: bigint; readonly query: URLSearchParams }
  | { readonly page: "job"; readonly jobId: bigint }
  | { readonly page: "workers"; readonly inactive: boolean }
  | { readonly page: "not-found"; readonly path: string };

const ID = "([1-9][0-9]{0,18})";

/** The route of a URL's path and query. */
export function parseRoute(pathname: string, search: string): Route {
  const query = new URLSearchParams(search);
  const path = pathname.replace(/\/+$/, "") || "/";
  let m: RegExpExecArray | null;
  if (path === "/" || path === "/projects") return { page: "projects", archived: query.get("archived") === "1" };
  if ((m = new RegExp(`^/projects/${ID}$`).exec(path))) return { page: "queue", projectId: BigInt(m[1]!), query };
  if ((m = new RegExp(`^/projects/${ID}/sweep$`).exec(path))) return { page: "sweep", projectId: BigInt(m[1]!), query };
  if ((m = new RegExp(`^/jobs/${ID}$`).exec(path))) return { page: "job", jobId: BigInt(m[1]!) };
  if (path === "/workers") return { page: "workers", inactive: query.get("inactive") === "1" };
  return { page: "not-found", path };
}

/** Paths of the pages, so links are written one way. */
export const paths = {
  projects: (archived = false) => (archived ? "/?archived=1" : "/"),
  queue: (projectId: bigint, query?: URLSearchParams) => withQuery(`/projects/${projectId}`, query),
  sweep: (projectId: bigint, query?: URLSearchParams) => withQuery(`/projects/${projectId}/sweep`, query),
  job: (jobId: bigint) => `/jobs/${jobId}`,
  workers: (inactive = false) => (inactive ? "/workers?inactive=1" : "/workers"),
};

function withQuery(path: string, query?: URLSearchParams): string {
  const text = query?.toString();
  return text ? `${path}?${text}` : path;
}

const NAVIGATED = "whatsnext:navigated";

/** Goes to a page of the dashboard without reloading; `replace` for changes that should not add a back step. */
export function navigate(href: string, options: { replace?: boolean; state?: unknown } = {}): void {
  if (options.replace) history.replaceState(options.state ?? null, "", href);
  else history.pushState(options.state ?? null, "", href);
  window.dispatchEvent(new Event(NAVIGATED));
  if (!options.replace) window.scrollTo(0, 0);
}

/** The current route, re-rendering on navigation and on back/forward. */
export function useRoute(): Route {
  const read = () => parseRoute(location.pathname, location.search);
  const [route, setRoute] = useState<Route>(read);
  useEffect(() => {
    const update = () => setRoute(read());
    window.addEventListener("popstate", update);
    window.addEventListener(NAVIGATED, update);
    return () => {
      window.removeEventListener("popstate", update);
      window.removeEventListener(NAVIGATED, update);
    };
  }, []);
  return route;
}

/**
 * Plain left clicks on same-origin links navigate in place; a click with a
 * modifier (new tab, download) is left to the browser, as are links to other
 * origins and to the API.
 */
export function interceptLinkClicks(root: Document): void {
  root.addEventListener("click", (event) => {
    if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    const anchor = (event.target as Element | null)?.closest?.("a");
    if (!anchor || anchor.target || anchor.hasAttribute("download")) return;
    const url = new URL(anchor.href, location.href);
    if (url.origin !== location.origin || parseRoute(url.pathname, url.search).page === "not-found") return;
    event.preventDefault();
    navigate(url.pathname + url.search);
  });
}
