/** A path the dashboard does not know. */
export function NotFoundPage({ path }: { path: string }) {
  return (
    <section>
      <h1>Not found</h1>
      <p>
        The dashboard has no page at <code>{path}</code>. <a href="/">See the projects.</a>
      </p>
    </section>
  );
}
