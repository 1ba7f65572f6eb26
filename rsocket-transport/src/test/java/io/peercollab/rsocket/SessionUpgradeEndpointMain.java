// SPDX-License-Identifier: Apache-2.0
package io.peercollab.rsocket;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;

import io.peercollab.RelayedAddress;
import io.peercollab.TcpAddress;
import io.peercollab.identity.PeerIdentity;
import io.peercollab.identity.PeerName;
import io.peercollab.internal.nat.CoturnServer;
import io.peercollab.rsocket.internal.BindingInternals;
import io.peercollab.rsocket.internal.BindingInternals.PunchOutcome;
import io.peercollab.rsocket.internal.RSocketBinding;
import io.peercollab.spi.PeerConnection;
import io.peercollab.spi.SessionFrame;
import io.peercollab.spi.SessionOpen;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * One end of {@code SessionUpgradeNatLabTest}, run in a child JVM on a NAT lab host: the RSocket transport bound to
 * the host's address with the lab's coturn as TURN (and STUN) server. It answers on its standard output, one line per
 * event.
 *
 * <ul>
 *   <li>{@code bob}: relays through coturn and echoes every session message; prints {@code READY name relayIp
 *   relayPort} once its relay is allocated, {@code RECEIVED n in-order|out-of-order} when a session's inbound ends,
 *   and {@code CONNECTIONS n} once it holds {@code n} inbound connections, for each {@code AWAITCONNECTIONS n} line it
 *   reads (or {@code CONNECTIONS m} with the count it had after a minute).</li>
 *   <li>{@code alice}: dials Bob's relayed address, sends {@code n} messages (a third before the hole punch
 *   succeeds, the rest after, so that the session moves mid-stream), checks the echoes, and prints {@code PUNCH
 *   outcome}, {@code SESSION n in-order|... millis}, then {@code MOVED moves path} (how many times the session moved,
 *   and the relayed connection's path now).</li>
 * </ul>
 *
 * Each message's data is {@link #MARK} and its number: text that must never appear in what the relay carries.
 * {@code EXIT} closes everything.
 *
 * <p>Arguments: role, the host's address, the TURN server ({@code ip:port}); for {@code alice} also Bob's name, his
 * relay's address and port, and how many messages.
 */
public final class SessionUpgradeEndpointMain {

	/** What every message's data starts with. */
	public static final String MARK = "peercollab-lab-message-";

	private static final Duration WAIT = Duration.ofSeconds(60);

	private SessionUpgradeEndpointMain() {
	}

	public static void main(String[] args) throws Exception {
		String role = args[0];
		String[] turnAt = args[2].split(":");
		TurnServer turn = TurnServer.withPassword(new InetSocketAddress(InetAddress.getByName(turnAt[0]),
				Integer.parseInt(turnAt[1])), CoturnServer.USER, CoturnServer.PASSWORD);
		RSocketPeerTransport transport = RSocketPeerTransport.tcp().host(args[1]).port(0).turnServer(turn);
		RecordingHandler handler = new RecordingHandler();
		List<Integer> received = new CopyOnWriteArrayList<>();
		handler.session = (caller, in) -> in.doOnNext(f -> received.add(number(f)))
				.doOnComplete(() -> System.out.println("RECEIVED " + received.size() + " " + order(received,
						received.size())))
				.map(f -> new SessionFrame(null, f.data()));
		PeerIdentity identity = PeerIdentity.generate(role);
		RSocketBinding binding = (RSocketBinding) transport.bind(identity, handler).block(WAIT);
		try {
			if (role.equals("bob")) {
				RelayedAddress relayed = binding.relayedAddress().orElseThrow();
				System.out.println("READY " + identity.name() + " "
						+ relayed.relay().socketAddress().getAddress().getHostAddress() + " "
						+ relayed.relay().socketAddress().getPort());
			}
			else {
				alice(binding, PeerName.parse(args[3]), new RelayedAddress(TcpAddress.of(new InetSocketAddress(
						InetAddress.getByName(args[4]), Integer.parseInt(args[5])))), Integer.parseInt(args[6]));
			}
			BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
			for (String line; (line = in.readLine()) != null && !line.equals("EXIT"); ) {
				if (line.startsWith("AWAITCONNECTIONS ")) {
					int n = Integer.parseInt(line.substring("AWAITCONNECTIONS ".length()));
					Flux.interval(Duration.ofMillis(20)).filter(x -> binding.inboundConnectionCount() == n).next()
							.timeout(WAIT, Mono.just(0L)).block();
					System.out.println("CONNECTIONS " + binding.inboundConnectionCount());
				}
			}
		}
		finally {
			binding.dispose();
		}
		System.exit(0);
	}

	private static void alice(RSocketBinding client, PeerName bob, RelayedAddress relayed, int messages) {
		Mono<PunchOutcome> punched = BindingInternals.punchOutcomes(client).next().cache();
		punched.subscribe(o -> System.out.println("PUNCH " + o), e -> System.out.println("PUNCH failed " + e));
		PeerConnection onRelay = client.connect(bob, relayed).block(WAIT);
		System.out.println("CONNECTED " + onRelay.path());
		Flux<SessionFrame> outbound = Flux.concat(Flux.range(0, messages / 3),
				punched.thenMany(Flux.range(messages / 3, messages - messages / 3)))
				.map(i -> new SessionFrame(null, (MARK + i).getBytes(StandardCharsets.UTF_8)));
		long start = System.nanoTime();
		List<Integer> echoed = new CopyOnWriteArrayList<>();
		try {
			onRelay.session(new SessionOpen(UUID.randomUUID(), UUID.randomUUID(), UUID.randomUUID()), outbound)
					.limitRate(500).doOnNext(f -> echoed.add(number(f))).then().block(WAIT);
			System.out.println("SESSION " + echoed.size() + " " + order(echoed, messages) + " "
					+ (System.nanoTime() - start) / 1_000_000);
		}
		catch (RuntimeException e) {
			System.out.println("SESSIONFAILED " + echoed.size() + " " + e);
		}
		List<RSocketBinding.SessionMove> moves = client.sessionMoves(onRelay);
		System.out.println("MOVED " + moves.size() + " " + onRelay.path() + " " + moves);
	}

	private static int number(SessionFrame f) {
		String text = new String(f.data(), StandardCharsets.UTF_8);
		return text.startsWith(MARK) ? Integer.parseInt(text.substring(MARK.length())) : -1;
	}

	/** @return {@code in-order} if {@code got} is 0 to {@code expected} - 1, each once, in order */
	private static String order(List<Integer> got, int expected) {
		if (got.size() != expected) {
			return "count-" + got.size();
		}
		for (int i = 0; i < expected; i++) {
			if (got.get(i) != i) {
				return "out-of-order-at-" + i + "-got-" + got.get(i);
			}
		}
		return "in-order";
	}
}
