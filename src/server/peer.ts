import type http from "node:http";
import type http2 from "node:http2";
import type net from "node:net";
import type { TLSSocket } from "node:tls";
import type { Peer } from "./context.js";

/** The transport peer of a request: the socket's address and, under mTLS, the verified certificate's CN and SANs. */
export function peerOf(req: http.IncomingMessage | http2.Http2ServerRequest): Peer {
  const socket = req.socket as net.Socket & Partial<TLSSocket>;
  const cert = socket.getPeerCertificate?.();
  const identities: string[] = [];
  if (cert && socket.authorized) {
    if (typeof cert.subject?.CN === "string") identities.push(cert.subject.CN);
    for (const san of (cert.subjectaltname ?? "").split(", ")) {
      const [, value] = san.split(/:(.*)/);
      if (value) identities.push(value);
    }
  }
  return { address: socket.remoteAddress ?? "", certificateIdentities: identities };
}
