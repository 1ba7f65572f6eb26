// SPDX-License-Identifier: Apache-2.0
package io.peercollab.internal.nat;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

import io.peercollab.IpLiterals;
import io.peercollab.internal.nat.StunClient.Retransmission;
import reactor.core.publisher.Mono;

/**
 * Where this endpoint stands on the Internet, as a STUN server sees it: the server-reflexive address of the listening
 * TCP port (a STUN binding over TCP from that very port, {@link TcpHolePunch#mappedAddress}) and the NAT's behaviour
 * (RFC 5780 discovery over UDP, {@link NatBehaviourDiscovery}), and from both whether the reflexive address can be
 * published as one a stranger can dial.
 *
 * <p>It can when the NAT keeps one mapping per local port whatever the destination (endpoint-independent mapping) and
 * lets anyone reach it (endpoint-independent filtering): a "full cone". Behind a NAT that filters, a stranger's SYN
 * to the reflexive address is dropped (a published address would only make dialling wait); behind one that maps per
 * destination (symmetric), the address the server saw is not the one a stranger would reach. Without a NAT (the
 * server saw this host's own address) there is nothing to add to the direct addresses. The UDP behaviour stands in
 * for TCP's, as home NATs treat both alike; a server that does not support RFC 5780 gives no behaviour, and then
 * nothing is published (the reflexive address is still known, for diagnostics and hole punching).
 *
 * <p>The listening socket must allow {@code SO_REUSEPORT}, as the binding is sent from its port. The TCP binding
 * also refreshes the NAT's mapping of the port, so an endpoint repeats the check while it publishes the address.
 * Implementation, not API.
 */
public final class PublicAddressCheck {

	/** The UDP requests that must be answered: 100 ms, doubling, 5 transmissions, given up after 1.9 s. */
	private static final Retransmission ANSWERED = new Retransmission(Duration.ofMillis(100), 5, 4);

	/** The filtering tests, whose silence is their answer: given up after 0.4 s. */
	private static final Retransmission PROBE = new Retransmission(Duration.ofMillis(100), 2, 3);

	/**
	 * What one check found.
	 *
	 * @param tcpMapped the address the STUN server saw for TCP from the listening port, if it answered
	 * @param behaviour the NAT's mapping and filtering as RFC 5780 discovery found them, if it could
	 * @param why a sentence on why the reflexive address is or is not published, with what failed
	 */
	public record Result(Optional<InetSocketAddress> tcpMapped, Optional<NatBehaviour> behaviour, String why) {

		/** Checks that nothing is {@code null}. */
		public Result {
			Objects.requireNonNull(tcpMapped, "tcpMapped");
			Objects.requireNonNull(behaviour, "behaviour");
			Objects.requireNonNull(why, "why");
		}

		/**
		 * @return the reflexive address to publish beside the direct ones: present only behind a NAT whose mapping
		 *     and filtering are both endpoint-independent, and only if the TCP binding was answered
		 */
		public Optional<InetSocketAddress> publishable() {
			return behaviour.filter(b -> b.behindNat() && b.mapping() == NatBehaviour.Mapping.ENDPOINT_INDEPENDENT
					&& b.filtering() == NatBehaviour.Filtering.ENDPOINT_INDEPENDENT).flatMap(b -> tcpMapped);
		}

		/** @return whether the STUN server saw this host behind a NAT, if the discovery worked */
		public Optional<Boolean> behindNat() {
			return behaviour.map(NatBehaviour::behindNat);
		}
	}

	private PublicAddressCheck() {
	}

	/**
	 * Runs the TCP binding from {@code listening}'s port and the UDP behaviour discovery at the same time. Never fails:
	 * what failed is said in {@link Result#why()}.
	 *
	 * @param listening the local address and port the endpoint listens on (the wildcard address is fine)
	 * @param stunServer the STUN server (for RFC 5780, one with two addresses and ports, such as coturn's)
	 * @param timeout how long each half may take
	 * @return the result, within about {@code timeout}
	 */
	public static Mono<Result> check(InetSocketAddress listening, InetSocketAddress stunServer, Duration timeout) {
		Objects.requireNonNull(listening, "listening");
		Objects.requireNonNull(stunServer, "stunServer");
		Objects.requireNonNull(timeout, "timeout");
		Mono<Object> tcp = TcpHolePunch.mappedAddress(listening, stunServer, timeout)
				.<Object>map(a -> a)
				.onErrorResume(e -> Mono.just(e));
		Mono<Object> udp = Mono.usingWhen(
						StunClient.bind(new InetSocketAddress(listening.getAddress(), 0), ANSWERED),
						client -> NatBehaviourDiscovery.discover(client, stunServer, ANSWERED, PROBE),
						StunClient::close)
				.timeout(timeout)
				.<Object>map(b -> b)
				.onErrorResume(e -> Mono.just(e));
		return Mono.zip(tcp, udp).map(t -> result(t.getT1(), t.getT2(), stunServer));
	}

	private static Result result(Object tcp, Object udp, InetSocketAddress server) {
		Optional<InetSocketAddress> mapped = tcp instanceof InetSocketAddress a ? Optional.of(a) : Optional.empty();
		Optional<NatBehaviour> behaviour = udp instanceof NatBehaviour b ? Optional.of(b) : Optional.empty();
		String at = "STUN server " + IpLiterals.toString(server);
		StringBuilder why = new StringBuilder();
		if (tcp instanceof Throwable e) {
			why.append(at).append(" gave no TCP mapping: ").append(message(e)).append("; ");
		}
		if (udp instanceof Throwable e) {
			why.append("the NAT behaviour is unknown: ").append(message(e)).append("; ");
		}
		Result r = new Result(mapped, behaviour, "");
		if (r.publishable().isPresent()) {
			why.append("the NAT maps and filters independently of the destination (full cone): publishing ")
					.append(IpLiterals.toString(mapped.get()));
		}
		else if (behaviour.isPresent() && !behaviour.get().behindNat()) {
			why.append(at).append(" sees this host's own address: no NAT, nothing to add");
		}
		else if (behaviour.isPresent()) {
			why.append("behind a NAT with ").append(behaviour.get().mapping()).append(" mapping and ")
					.append(behaviour.get().filtering()).append(" filtering: a stranger cannot dial ")
					.append(mapped.map(IpLiterals::toString).orElse("its mapping")).append(", not published");
		}
		else {
			why.append("not publishing a reflexive address");
		}
		return new Result(mapped, behaviour, why.toString());
	}

	private static String message(Throwable e) {
		return e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage());
	}
}
