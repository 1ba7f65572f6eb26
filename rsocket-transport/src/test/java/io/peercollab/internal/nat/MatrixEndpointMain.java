// SPDX-License-Identifier: Apache-2.0
package io.peercollab.internal.nat;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;

import io.peercollab.CollaborationContract;
import io.peercollab.CollaborationSession;
import io.peercollab.ConnectionPath;
import io.peercollab.IpLiterals;
import io.peercollab.InvitationResponse;
import io.peercollab.Peer;
import io.peercollab.PeerCollaboration;
import io.peercollab.PeerEndPoint;
import io.peercollab.PeerEvent;
import io.peercollab.PeerScope;
import io.peercollab.PresenceChange;
import io.peercollab.PresenceInfo;
import io.peercollab.PresenceStatus;
import io.peercollab.contact.PeerContact;
import io.peercollab.dht.MainlineDht;
import io.peercollab.identity.PeerIdentity;
import io.peercollab.rsocket.RSocketPeerTransport;
import io.peercollab.rsocket.TurnServer;
import io.peercollab.rsocket.internal.BindingInternals;
import io.peercollab.rsocket.internal.BindingInternals.PunchOutcome;
import io.peercollab.rsocket.internal.RSocketBinding;
import io.peercollab.spi.PeerNamePublisher;
import io.peercollab.spi.TransportBinding;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * One whole endpoint of {@link EndpointMatrixNatLabTest}, run in a child JVM on a {@link NatLab} host: a
 * {@link PeerCollaboration} with the RSocket transport (a TURN server if one is given, port mapping on), signed in to
 * {@code INTERNET} with a {@link MainlineDht} on the lab's small DHT as publisher and resolver, the other end in its
 * contacts. It answers on its standard output, one line per event:
 *
 * <ul>
 *   <li>{@code PUBLISHED ep,ep,...} each time its record was stored;</li>
 *   <li>{@code INBOUNDPATH path} for each path of a connection it accepted, as its observer is told;</li>
 *   <li>{@code STAND mapped why}: what the check of its public address found, if it ran;</li>
 *   <li>{@code READY ep,...} once signed in (and, if told to expect a port mapping, once the mapped address was
 *   published, or 10 s passed);</li>
 *   <li>{@code PUNCH ok|fail initiator|answerer millis reason} for each hole-punch attempt on either end.</li>
 * </ul>
 *
 * The inviting end ({@code alice}) then reads {@code INVITE n} lines: it invites the other end, found by identity, and
 * prints {@code INVITED millis status path} (or {@code FAILED millis ExceptionClass: message}), sends {@code n}
 * session messages that the invited end echoes, and prints {@code SESSION n millis} once every echo came back in
 * order. {@code AWAITPUNCH millis} prints the outcome of the next (or last) hole-punch attempt towards the other end,
 * or {@code PUNCH none}. {@code FOLLOW token} follows the other end (see {@link #follow}); {@code PRESENCE token}
 * sets this end's presence to away with {@code token} as its text. {@code EXIT} closes everything.
 *
 * <p>Arguments: role ({@code alice} or {@code bob}), own identity file, the other's identity file, their password,
 * the host's address, the TURN server ({@code ip:port}, or {@code -}), the router's WAN address if a mapped address
 * is to be awaited (or {@code -}), the DHT nodes ({@code ip:port,...}).
 */
final class MatrixEndpointMain {

	private static final Duration WAIT = Duration.ofSeconds(30);

	/** The transport's binding, once signed in. */
	private static final AtomicReference<TransportBinding> BINDING = new AtomicReference<>();

	private MatrixEndpointMain() {
	}

	public static void main(String[] args) throws Exception {
		String role = args[0];
		char[] password = args[3].toCharArray();
		PeerIdentity me = PeerIdentity.load(Path.of(args[1]), password);
		PeerIdentity other = PeerIdentity.load(Path.of(args[2]), password);
		InetAddress host = InetAddress.getByName(args[4]);
		InetSocketAddress turn = args[5].equals("-") ? null : IpLiterals.parseSocketAddress(args[5]);
		String expectMapped = args[6].equals("-") ? null : args[6] + ":";
		List<InetSocketAddress> bootstrap = Arrays.stream(args[7].split(","))
				.map(IpLiterals::parseSocketAddress).toList();

		MainlineDht dht = MainlineDht.builder().bindAddress(host).bootstrapNodes(bootstrap)
				.lookupTimeout(Duration.ofSeconds(5)).build();
		List<List<PeerEndPoint>> published = new CopyOnWriteArrayList<>();
		PeerNamePublisher publisher = new PeerNamePublisher() {
			@Override
			public Mono<Void> publish(PeerIdentity identity, List<PeerEndPoint> endPoints) {
				return dht.publish(identity, endPoints).doOnSuccess(v -> {
					published.add(endPoints);
					say("PUBLISHED " + text(endPoints));
				});
			}

			@Override
			public Duration recordLifetime() {
				return dht.recordLifetime();
			}
		};
		AtomicReference<TransportBinding> binding = BINDING;
		RSocketPeerTransport tcp = RSocketPeerTransport.tcp();
		if (turn != null) {
			tcp = tcp.turnServer(TurnServer.withPassword(turn, CoturnServer.USER, CoturnServer.PASSWORD));
		}
		RSocketPeerTransport transport = tcp;
		PeerCollaboration endpoint = PeerCollaboration.builder().identity(me)
				.transport(new io.peercollab.spi.PeerTransport() {
					@Override
					public Mono<TransportBinding> bind(PeerIdentity identity, io.peercollab.spi.PeerRequestHandler handler) {
						return bind(identity, handler, io.peercollab.CollaborationObserver.NOOP);
					}

					// the engine's observer (the paths of accepted connections) reaches the transport
					@Override
					public Mono<TransportBinding> bind(PeerIdentity identity, io.peercollab.spi.PeerRequestHandler handler,
							io.peercollab.CollaborationObserver observer) {
						return transport.bind(identity, handler, observer).doOnNext(b -> {
							binding.set(b);
							BindingInternals.punchOutcomes(b).subscribe(MatrixEndpointMain::punch);
						});
					}
				})
				.namePublisher(publisher).nameResolver(dht)
				.portMapping(true)
				.observer(new io.peercollab.CollaborationObserver() {
					@Override
					public void connectionPath(io.peercollab.identity.PeerName remote, io.peercollab.PeerAddress address,
							Direction direction, ConnectionPath path) {
						if (direction == Direction.INBOUND) {
							say("INBOUNDPATH " + path);
						}
					}
				})
				.build();
		PeerContact contact = PeerContact.of(other.name(), role.equals("alice") ? "Bob" : "Alice",
				other.certificate());
		endpoint.contacts().add(contact).block(WAIT);
		endpoint.registerApplication(CollaborationContract.WHITEBOARD).block(WAIT);
		endpoint.invitations().subscribe(i -> i.accept().subscribe(MatrixEndpointMain::echo,
				e -> say("ACCEPTFAILED " + e)));
		endpoint.signIn(PeerScope.INTERNET).block(WAIT);
		if (expectMapped != null) {
			long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
			while (System.nanoTime() < deadline
					&& published.stream().noneMatch(l -> text(l).contains(expectMapped))) {
				Mono.delay(Duration.ofMillis(20)).block();
			}
		}
		if (binding.get() instanceof RSocketBinding b) {
			say("STAND " + BindingInternals.publicAddress(b)
					.map(r -> r.tcpMapped().map(IpLiterals::toString).orElse("-") + " " + r.why())
					.orElse("(not checked)"));
		}
		say("READY " + (published.isEmpty() ? "(nothing published)" : text(published.get(published.size() - 1))));

		BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
		Peer peer = endpoint.peer(contact);
		for (String line; (line = in.readLine()) != null; ) {
			String[] command = line.split(" ");
			if (command[0].equals("INVITE")) {
				invite(peer, Integer.parseInt(command[1]));
			}
			else if (command[0].equals("AWAITPUNCH")) {
				TransportBinding punching = binding.get();
				Mono<PunchOutcome> next = BindingInternals.punchOutcomes(punching)
						.filter(o -> o.peer().equals(other.name()))
						.next().cache();
				next.subscribe(); // before looking at the last one, so that none is missed in between
				PunchOutcome outcome = BindingInternals.lastPunch(punching, other.name()).orElse(null);
				if (outcome == null) {
					outcome = next.timeout(Duration.ofMillis(Long.parseLong(command[1])), Mono.empty()).block(WAIT);
				}
				if (outcome == null) {
					say("AWAITED none");
				}
				else {
					say("AWAITED " + (outcome.succeeded() ? "ok" : "fail") + " " + outcome.took().toMillis() + " "
							+ (outcome.succeeded() ? IpLiterals.toString(outcome.direct()) : outcome.failure()));
				}
			}
			else if (command[0].equals("FOLLOW")) {
				follow(peer, command[1]);
			}
			else if (command[0].equals("PRESENCE")) {
				endpoint.setPresence(new PresenceInfo(PresenceStatus.AWAY, command[1])).block(WAIT);
				say("PRESENCESET " + command[1]);
			}
			else if (command[0].equals("EXIT")) {
				break;
			}
		}
		endpoint.close().block(WAIT);
		dht.close().block(WAIT);
		say("CLOSED");
		System.exit(0);
	}

	/** Invites the other end, then has {@code messages} session messages echoed. */
	private static void invite(Peer peer, int messages) {
		long start = System.nanoTime();
		InvitationResponse response;
		try {
			response = peer.invite(CollaborationContract.WHITEBOARD, "matrix", null).block(WAIT);
		}
		catch (RuntimeException e) {
			Throwable cause = reactor.core.Exceptions.unwrap(e);
			StringBuilder why = new StringBuilder();
			for (Throwable t = cause; t != null; t = t.getCause() == t ? null : t.getCause()) {
				why.append(why.length() == 0 ? "" : " / caused by ").append(t.getClass().getSimpleName()).append(": ")
						.append(String.valueOf(t.getMessage()).replace('\n', ' '));
			}
			say("FAILED " + millis(start) + " " + why);
			return;
		}
		ConnectionPath path = peer.path();
		say("INVITED " + millis(start) + " " + response.status() + " " + path + " holePunched="
				+ BindingInternals.isHolePunched(BINDING.get(), peer.name()));
		CollaborationSession session = response.session().orElse(null);
		if (session == null) {
			return;
		}
		try {
			long sent = System.nanoTime();
			Mono<List<Integer>> echoes = session.receive().map(m -> ByteBuffer.wrap(m.data()).getInt())
					.take(messages).collectList().cache();
			echoes.subscribe();
			session.send(Flux.range(0, messages).map(i -> ByteBuffer.allocate(4).putInt(i).array())).block(WAIT);
			List<Integer> got = echoes.block(WAIT);
			boolean inOrder = got.size() == messages;
			for (int i = 0; inOrder && i < messages; i++) {
				inOrder = got.get(i) == i;
			}
			say("SESSION " + got.size() + " " + millis(sent) + (inOrder ? " in-order" : " OUT-OF-ORDER") + " "
					+ peer.path());
		}
		catch (RuntimeException e) {
			say("SESSIONFAILED " + e);
		}
		finally {
			session.dispose();
		}
	}

	/**
	 * Follows the other end ({@code peer.events()}), says {@code FOLLOWING path} once the first state is synced, then
	 * {@code FOLLOWED token path} when a presence with {@code token} as its text is seen (or {@code FOLLOWFAILED why}).
	 * The follow stays open until the process exits.
	 */
	private static void follow(Peer peer, String token) {
		AtomicReference<Boolean> synced = new AtomicReference<>(false);
		peer.events().subscribe(event -> {
			if (event instanceof PeerEvent.Synced && !synced.getAndSet(true)) {
				say("FOLLOWING " + peer.path());
			}
			if (event instanceof PresenceChange p && token.equals(p.presence().text())) {
				say("FOLLOWED " + token + " " + peer.path());
			}
		}, e -> say("FOLLOWFAILED " + e));
	}

	/** The invited end: sends every message of the session back. */
	private static void echo(CollaborationSession session) {
		session.send(session.receive().map(m -> m.data())).subscribe(v -> { }, e -> { });
	}

	private static void punch(PunchOutcome o) {
		say("PUNCH " + (o.succeeded() ? "ok" : "fail") + " " + (o.initiator() ? "initiator" : "answerer") + " "
				+ o.took().toMillis() + " " + (o.succeeded() ? IpLiterals.toString(o.direct()) : o.failure()));
	}

	private static long millis(long since) {
		return (System.nanoTime() - since) / 1_000_000;
	}

	private static String text(List<PeerEndPoint> endPoints) {
		return endPoints.stream().map(e -> e.address().toString()).collect(Collectors.joining(","));
	}

	private static synchronized void say(String line) {
		System.out.println(line);
		System.out.flush();
	}
}
