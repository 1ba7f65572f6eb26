// SPDX-License-Identifier: Apache-2.0
package io.peercollab.reliability;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;

import io.peercollab.CollaborationSession;
import io.peercollab.PeerCollaboration;
import io.peercollab.PeerEndPoint;
import io.peercollab.PeerScope;
import io.peercollab.PresenceInfo;
import io.peercollab.PresenceStatus;
import io.peercollab.discovery.MdnsDiscovery;
import io.peercollab.identity.PeerIdentity;
import io.peercollab.identity.PeerName;
import io.peercollab.rsocket.RSocketPeerTransport;
import reactor.core.publisher.Mono;

/**
 * The other side of {@link FailureMatrixTest}: a {@link PeerCollaboration} on 127.0.0.1 with a short keepalive, mDNS on
 * the loopback interface (a service type of the test's own), the identity from a file (so that a second process can
 * be the same peer at another port), {@link Endpoints#WHITEBOARD}, {@link FailureMatrixTest#NOTES} and {@link FailureMatrixTest#CHAT} registered and
 * presence {@code BUSY}. It accepts every invitation except those whose message is {@code "ignore"} (printing
 * {@code PENDING}, never answering, and {@code OUTCOME <state>} when it ends) and echoes every session message
 * (printing {@code SESSION-END host|member completed|<exception>} when a session ends).
 *
 * <p>Commands on standard input, one a line: {@code SIGNIN} (only when started with {@code hold}), {@code INVITE
 * <name> <port> <app> <message>} (invites that peer into {@code WHITEBOARD} or {@code CHAT}; prints
 * {@code INVITED <message> <status>}), {@code SIGNOUT} (prints {@code SIGNED-OUT}), {@code CLOSE} (prints
 * {@code CLOSED} and exits). Prints {@code NAME}, then {@code PORT} and {@code READY} once signed in. Exits when its
 * standard input closes or after three minutes.
 *
 * <p>Arguments: keepalive interval (ms), keepalive max lifetime (ms), mDNS service type, identity file, and
 * {@code hold} or {@code go} (sign in only on {@code SIGNIN}, or at once).
 */
public final class MatrixPeerMain {

	private static final char[] PASSWORD = "matrix".toCharArray();

	private MatrixPeerMain() {
	}

	public static void main(String[] args) throws Exception {
		PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
		Duration interval = Duration.ofMillis(Long.parseLong(args[0]));
		Duration maxLifeTime = Duration.ofMillis(Long.parseLong(args[1]));
		PeerCollaboration collab = PeerCollaboration.builder()
				.identity(PeerIdentity.load(Path.of(args[3]), PASSWORD))
				.nickname("other")
				.transport(RSocketPeerTransport.tcp().host("127.0.0.1").port(0).keepAlive(interval, maxLifeTime))
				.discovery(MdnsDiscovery.onLoopback().serviceType(args[2]))
				.build();
		collab.invitations().subscribe(inv -> {
			if (inv.message().equals("ignore")) {
				inv.outcome().subscribe(s -> out.println("OUTCOME " + s));
				out.println("PENDING " + inv.id());
				return;
			}
			inv.accept().subscribe(s -> echo(s, out), e -> out.println("ACCEPT-FAILED " + e));
		});
		out.println("NAME " + collab.name());
		if (args[4].equals("go")) {
			signIn(collab, out);
		}
		Mono.delay(Duration.ofMinutes(3)).subscribe(t -> System.exit(2));
		BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
		String line;
		while ((line = in.readLine()) != null) {
			String[] w = line.split(" ");
			switch (w[0]) {
				case "SIGNIN" -> signIn(collab, out);
				case "INVITE" -> {
					String message = w[4];
					collab.peer(PeerName.parse(w[1]), PeerEndPoint.of(new InetSocketAddress("127.0.0.1",
							Integer.parseInt(w[2]))))
							.invite(w[3].equals("CHAT") ? FailureMatrixTest.CHAT : Endpoints.WHITEBOARD, message,
									null, Duration.ofMinutes(5))
							.subscribe(r -> {
								out.println("INVITED " + message + " " + r.status());
								r.session().ifPresent(session -> echo(session, out));
							}, e -> out.println("INVITED " + message + " " + e));
				}
				case "SIGNOUT" -> {
					collab.signOut(PeerScope.ALL).block(Duration.ofSeconds(10));
					out.println("SIGNED-OUT");
				}
				case "CLOSE" -> {
					collab.close().block(Duration.ofSeconds(10));
					out.println("CLOSED");
					System.exit(0);
				}
				default -> out.println("UNKNOWN " + line);
			}
		}
		collab.close().block(Duration.ofSeconds(10));
		System.exit(0);
	}

	private static void signIn(PeerCollaboration collab, PrintStream out) {
		collab.signIn(PeerScope.ALL)
				.then(collab.registerApplication(Endpoints.WHITEBOARD))
				.then(collab.registerApplication(FailureMatrixTest.NOTES))
				.then(collab.registerApplication(FailureMatrixTest.CHAT))
				.then(collab.setPresence(new PresenceInfo(PresenceStatus.BUSY, "in the matrix")))
				.block(Duration.ofSeconds(30));
		out.println("PORT " + collab.endPoints().get(0).tcpAddress().getPort());
		out.println("READY");
	}

	/** Echoes every message; prints {@code SESSION-END host|member completed|<exception>} when the session ends. */
	private static void echo(CollaborationSession session, PrintStream out) {
		String role = session.isHost() ? "host" : "member";
		session.receive().concatMap(m -> session.send(m.data()).onErrorResume(e -> Mono.empty()), 1)
				.subscribe(null, e -> out.println("SESSION-END " + role + " " + e.getClass().getSimpleName()),
						() -> out.println("SESSION-END " + role + " completed"));
	}
}
