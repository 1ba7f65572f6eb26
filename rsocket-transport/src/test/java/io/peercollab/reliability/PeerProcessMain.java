// SPDX-License-Identifier: Apache-2.0
package io.peercollab.reliability;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

import io.peercollab.CollaborationSession;
import io.peercollab.NoPeersDiscovery;
import io.peercollab.PeerCollaboration;
import io.peercollab.PeerEndPoint;
import io.peercollab.PeerScope;
import io.peercollab.PresenceInfo;
import io.peercollab.PresenceStatus;
import io.peercollab.identity.PeerIdentity;
import io.peercollab.identity.PeerName;
import io.peercollab.rsocket.RSocketPeerTransport;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/**
 * The peer process of {@link PeerProcessCrashTest}: a {@link PeerCollaboration} on 127.0.0.1 with a short keepalive
 * that registers {@link Endpoints#WHITEBOARD}, accepts every invitation except those whose message is
 * {@code "ignore"} (which it never answers), echoes every session message, changes its presence every 50 ms, and, if
 * given a peer's name and port, invites that peer when it reads the line {@code INVITE} on its standard input. It prints {@code NAME}, {@code PORT}, {@code READY},
 * {@code PENDING <id>} for each invitation it ignores and {@code INVITED <status>}, and stops by itself when its
 * standard input closes or after two minutes.
 *
 * <p>Arguments: keepalive interval (ms), keepalive max lifetime (ms), and optionally a peer name and port to invite.
 */
public final class PeerProcessMain {

	private PeerProcessMain() {
	}

	public static void main(String[] args) {
		PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
		Duration interval = Duration.ofMillis(Long.parseLong(args[0]));
		Duration maxLifeTime = Duration.ofMillis(Long.parseLong(args[1]));
		PeerCollaboration collab = PeerCollaboration.builder()
				.identity(PeerIdentity.generate("child-peer"))
				.transport(RSocketPeerTransport.tcp().host("127.0.0.1").port(0).keepAlive(interval, maxLifeTime))
				.discovery(new NoPeersDiscovery())
				.build();
		collab.signIn(PeerScope.ALL).then(collab.registerApplication(Endpoints.WHITEBOARD)).block();
		collab.invitations().subscribe(inv -> {
			if (inv.message().equals("ignore")) {
				out.println("PENDING " + inv.id());
				return;
			}
			inv.accept().subscribe(PeerProcessMain::echo, e -> out.println("ACCEPT-FAILED " + e));
		});
		Flux.interval(Duration.ofMillis(50)).onBackpressureDrop()
				.concatMap(n -> collab.setPresence(new PresenceInfo(n % 2 == 0 ? PresenceStatus.BUSY
						: PresenceStatus.AWAY, "tick " + n)).onErrorResume(e -> Mono.empty()), 1)
				.subscribe();
		out.println("NAME " + collab.name());
		out.println("PORT " + collab.endPoints().get(0).tcpAddress().getPort());
		out.println("READY");
		PeerName other = args.length >= 4 ? PeerName.parse(args[2]) : null;
		PeerEndPoint at = args.length >= 4
				? PeerEndPoint.of(new InetSocketAddress("127.0.0.1", Integer.parseInt(args[3])))
				: null;
		Mono<Void> stdinClosed = Mono.<Void>fromRunnable(() -> {
			try {
				BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
				String line;
				while ((line = in.readLine()) != null) {
					if (line.equals("INVITE") && other != null) {
						collab.peer(other, at).invite(Endpoints.WHITEBOARD, "from-child", null).subscribe(r -> {
							out.println("INVITED " + r.status());
							r.session().ifPresent(PeerProcessMain::echo);
						}, e -> out.println("INVITED " + e));
					}
				}
			}
			catch (IOException e) {
				// the parent is gone
			}
		}).subscribeOn(Schedulers.boundedElastic());
		Mono.firstWithSignal(stdinClosed, Mono.delay(Duration.ofMinutes(2)).then()).block();
		collab.close().block(Duration.ofSeconds(10));
		System.exit(0);
	}

	private static void echo(CollaborationSession session) {
		session.receive().concatMap(m -> session.send(m.data()).onErrorResume(e -> Mono.empty()), 1)
				.subscribe(null, e -> {
				});
	}
}
