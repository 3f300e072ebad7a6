import { Code, ConnectError } from "@connectrpc/connect";
import { useCallback, useEffect, useState } from "preact/hooks";
import type { GetCallerIdentityResponse } from "../../gen/whatsnext/v1/identity_pb.js";
import { api, onKeyRefused } from "./api/clients.js";
import { readableError, type ReadableError } from "./api/readable-error.js";
import { forgetApiKey, readApiKey, storeApiKey } from "./api/session-key.js";
import { ErrorLine } from "./components/error-line.js";
import { PageErrorBoundary } from "./components/page-error-boundary.js";
import { useRoute, type Route } from "./router.js";
import { roleName, SessionContext, type Session } from "./session.js";
import { JobPage } from "./views/job-page.js";
import { KeyPrompt } from "./views/key-prompt.js";
import { NotFoundPage } from "./views/not-found-page.js";
import { ProjectsPage } from "./views/projects-page.js";
import { QueuePage } from "./views/queue-page.js";
import { SweepPage } from "./views/sweep-page.js";
import { WorkersPage } from "./views/workers-page.js";

/** What the server put in the page: "key" when it needs an API key, "ask" when it may accept the browser as it is. */
function signInHint(): string {
  return document.querySelector<HTMLMetaElement>('meta[name="whatsnext-sign-in"]')?.content ?? "ask";
}

type SignIn =
  | { readonly state: "checking" }
  | { readonly state: "needs-key"; readonly problem?: string }
  | { readonly state: "unreachable"; readonly error: ReadableError }
  | { readonly state: "signed-in"; readonly identity: GetCallerIdentityResponse; readonly usesKey: boolean };

/**
 * The whole page: asks the server who we are (IdentityService), asks for an
 * API key when the server wants one, then shows the page of the URL.
 */
export function App() {
  const [signIn, setSignIn] = useState<SignIn>({ state: "checking" });

  const check = useCallback(async () => {
    const key = readApiKey();
    if (key === null && signInHint() === "key") {
      // The server said (in the page) that nothing is answered without a key: ask first rather than be refused.
      setSignIn({ state: "needs-key" });
      return;
    }
    try {
      const identity = await api.identity.getCallerIdentity({});
      setSignIn({ state: "signed-in", identity, usesKey: key !== null });
    } catch (err) {
      if (err instanceof ConnectError && err.code === Code.Unauthenticated) {
        forgetApiKey();
        setSignIn(
          key === null
            ? { state: "needs-key" }
            : { state: "needs-key", problem: `The server refused that key (${err.rawMessage}). Check it and try again.` },
        );
        return;
      }
      setSignIn({ state: "unreachable", error: readableError(err, "signing in") });
    }
  }, []);

  useEffect(() => {
    // A key revoked or expired while the page is open: ask again instead of failing every call.
    onKeyRefused(() => {
      forgetApiKey();
      setSignIn({ state: "needs-key", problem: "The server no longer accepts the key this page used (revoked or expired). Enter a key." });
    });
    void check();
  }, [check]);

  const session: Session | undefined =
    signIn.state === "signed-in"
      ? {
          identity: signIn.identity,
          usesKey: signIn.usesKey,
          signOut() {
            forgetApiKey();
            setSignIn({ state: "needs-key" });
          },
        }
      : undefined;

  return (
    <>
      <Header session={session} />
      <main>
        {signIn.state === "checking" && <p class="muted">Connecting to the server…</p>}
        {signIn.state === "unreachable" && (
          <>
            <ErrorLine error={signIn.error} />
            <button type="button" onClick={() => void check()}>Try again</button>
          </>
        )}
        {signIn.state === "needs-key" && (
          <KeyPrompt
            problem={signIn.problem}
            onKey={(key) => {
              storeApiKey(key);
              setSignIn({ state: "checking" });
              void check();
            }}
          />
        )}
        {session && (
          <SessionContext.Provider value={session}>
            <RoutedPage />
          </SessionContext.Provider>
        )}
      </main>
    </>
  );
}

function Header({ session }: { session: Session | undefined }) {
  return (
    <header class="top-bar">
      <a class="brand" href="/">WhatsNext</a>
      <nav>
        <a href="/">Projects</a>
        <a href="/workers">Workers</a>
      </nav>
      {session && (
        <span class="identity" data-role={roleName(session.identity.role)}>
          {session.identity.principalName} · {roleName(session.identity.role)}
          {session.identity.projectId !== 0n && ` · project ${session.identity.projectId} only`}
          {session.usesKey && (
            <button type="button" class="link-button" onClick={session.signOut}>
              Sign out
            </button>
          )}
        </span>
      )}
    </header>
  );
}

function RoutedPage() {
  const route = useRoute();
  // A page that throws shows the error in place; the next route starts afresh.
  return (
    <PageErrorBoundary key={routeKey(route)}>
      <PageOf route={route} />
    </PageErrorBoundary>
  );
}

function routeKey(route: Route): string {
  switch (route.page) {
    case "queue":
    case "sweep":
      return `${route.page}:${route.projectId}`;
    case "job":
      return `job:${route.jobId}`;
    default:
      return route.page;
  }
}

function PageOf({ route }: { route: Route }) {
  switch (route.page) {
    case "projects":
      return <ProjectsPage archived={route.archived} />;
    case "queue":
      return <QueuePage projectId={route.projectId} search={route.query} />;
    case "sweep":
      return <SweepPage projectId={route.projectId} search={route.query} />;
    case "job":
      return <JobPage jobId={route.jobId} />;
    case "workers":
      return <WorkersPage inactive={route.inactive} />;
    case "not-found":
      return <NotFoundPage path={route.path} />;
  }
}
