import { render } from "preact";
import { App } from "./app.js";
import { interceptLinkClicks } from "./router.js";
import "./styles.css";

interceptLinkClicks(document);
render(<App />, document.getElementById("app")!);
