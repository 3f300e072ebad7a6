import { Component, type ComponentChildren } from "preact";
import { ErrorLine } from "./error-line.js";

/** Catches a page that fails while rendering and shows why, so the page is never left blank. */
export class PageErrorBoundary extends Component<{ children: ComponentChildren }, { error?: Error }> {
  override state: { error?: Error } = {};

  override componentDidCatch(error: Error): void {
    this.setState({ error });
  }

  override render() {
    if (this.state.error) {
      return (
        <section>
          <ErrorLine error={{ text: `This page failed: ${this.state.error.message}` }} />
          <p>
            <a href="/">Back to the projects</a>
          </p>
        </section>
      );
    }
    return this.props.children;
  }
}
