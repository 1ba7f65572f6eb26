// SPDX-License-Identifier: Apache-2.0
package io.peercollab.internal.nat;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.util.Objects;
import java.util.Optional;

import io.peercollab.IpLiterals;
import io.peercollab.PeerCollabException;
import io.peercollab.internal.nat.NatBehaviour.Filtering;
import io.peercollab.internal.nat.NatBehaviour.Mapping;
import io.peercollab.internal.nat.StunClient.Response;
import io.peercollab.internal.nat.StunClient.Retransmission;
import io.peercollab.internal.nat.StunClient.StunTimeoutException;
import io.peercollab.internal.nat.StunMessage.ChangeRequest;
import reactor.core.publisher.Mono;

/**
 * NAT behaviour discovery (RFC 5780 sections 4.3 and 4.4) from one {@link StunClient}'s socket against one server
 * that supports it (two IP addresses and two ports, announced in OTHER-ADDRESS).
 *
 * <p>Mapping: test I asks the primary address; if the mapped address is the local one there is no NAT. Otherwise
 * test II asks the other IP address on the primary port and test III the other IP address and port; comparing the
 * three mapped addresses gives the mapping behaviour. Filtering: test II asks the primary address to answer from the
 * other IP address and port, test III from the other port only; which answers arrive gives the filtering behaviour. A
 * filtering test that goes unanswered counts as filtered after the {@code probe} retransmission's timeout, so a lost
 * datagram on a lossy path reads as stricter filtering than there is.
 *
 * <p>The tests run one after another; a whole discovery takes a few round trips, plus up to two probe timeouts when the
 * filtering is not endpoint-independent.
 */
final class NatBehaviourDiscovery {

	/** The server does not support RFC 5780: no OTHER-ADDRESS, or it ignored CHANGE-REQUEST. */
	static final class Rfc5780UnsupportedException extends PeerCollabException {

		private static final long serialVersionUID = 1L;

		Rfc5780UnsupportedException(InetSocketAddress server, String why) {
			super("STUN server " + IpLiterals.toString(server) + " does not support NAT behaviour discovery "
					+ "(RFC 5780): " + why);
		}
	}

	private NatBehaviourDiscovery() {
	}

	/**
	 * Discovers the mapping and filtering behaviour of the path from {@code client}'s socket to {@code server}.
	 *
	 * @param client the client whose socket's path is examined; it stays open
	 * @param server the server's primary address
	 * @param clientRetransmission how the tests that must be answered are retransmitted
	 * @param probe how the filtering tests, whose silence is an answer, are retransmitted
	 * @return the behaviour; fails with {@link Rfc5780UnsupportedException} if the server does not support RFC 5780,
	 * or with what {@link StunClient#binding} fails with if a test that must be answered is not
	 */
	static Mono<NatBehaviour> discover(StunClient client, InetSocketAddress server, Retransmission clientRetransmission,
			Retransmission probe) {
		Objects.requireNonNull(client, "client");
		Objects.requireNonNull(server, "server");
		Objects.requireNonNull(clientRetransmission, "clientRetransmission");
		Objects.requireNonNull(probe, "probe");
		return client.binding(server, ChangeRequest.NONE, clientRetransmission).flatMap(first -> {
			InetSocketAddress mapped = mapped(first);
			InetSocketAddress other = first.message().otherAddress().orElse(null);
			if (other == null) {
				return Mono.error(new Rfc5780UnsupportedException(server, "its binding response has no OTHER-ADDRESS"));
			}
			if (other.getAddress().equals(server.getAddress()) || other.getPort() == server.getPort()) {
				return Mono.error(new Rfc5780UnsupportedException(server, "its OTHER-ADDRESS "
						+ IpLiterals.toString(other) + " does not differ from it in both IP address and port"));
			}
			InetSocketAddress local = client.localAddress();
			boolean behindNat = !isLocal(mapped, local);
			Mono<Mapping> mapping = behindNat
					? mapping(client, server, other, mapped, clientRetransmission)
					: Mono.just(Mapping.ENDPOINT_INDEPENDENT);
			return mapping.zipWhen(m -> filtering(client, server, other, probe))
					.map(t -> new NatBehaviour(local, mapped, behindNat, t.getT1(), t.getT2()));
		});
	}

	private static Mono<Mapping> mapping(StunClient client, InetSocketAddress server, InetSocketAddress other,
			InetSocketAddress first, Retransmission retransmission) {
		InetSocketAddress otherIpPrimaryPort = new InetSocketAddress(other.getAddress(), server.getPort());
		return client.binding(otherIpPrimaryPort, ChangeRequest.NONE, retransmission).flatMap(second -> {
			InetSocketAddress mapped2 = mapped(second);
			if (mapped2.equals(first)) {
				return Mono.just(Mapping.ENDPOINT_INDEPENDENT);
			}
			return client.binding(other, ChangeRequest.NONE, retransmission)
					.map(third -> mapped(third).equals(mapped2)
							? Mapping.ADDRESS_DEPENDENT
							: Mapping.ADDRESS_AND_PORT_DEPENDENT);
		});
	}

	private static Mono<Filtering> filtering(StunClient client, InetSocketAddress server, InetSocketAddress other,
			Retransmission probe) {
		return answered(client, server, new ChangeRequest(true, true), probe).flatMap(answer -> {
			if (answer.isPresent()) {
				InetSocketAddress fromOther = answer.get();
				if (!fromOther.getAddress().equals(other.getAddress()) || fromOther.getPort() != other.getPort()) {
					return Mono.error(new Rfc5780UnsupportedException(server, "asked to answer from "
							+ IpLiterals.toString(other) + " it answered from " + IpLiterals.toString(fromOther)));
				}
				return Mono.just(Filtering.ENDPOINT_INDEPENDENT);
			}
			return answered(client, server, new ChangeRequest(false, true), probe).flatMap(portAnswer -> {
				if (portAnswer.isEmpty()) {
					return Mono.just(Filtering.ADDRESS_AND_PORT_DEPENDENT);
				}
				InetSocketAddress fromOtherPort = portAnswer.get();
				if (!fromOtherPort.getAddress().equals(server.getAddress()) || fromOtherPort.getPort() != other.getPort()) {
					return Mono.error(new Rfc5780UnsupportedException(server, "asked to answer from its other port "
							+ other.getPort() + " it answered from " + IpLiterals.toString(fromOtherPort)));
				}
				return Mono.just(Filtering.ADDRESS_DEPENDENT);
			});
		});
	}

	/** @return where the answer came from, or empty if none came before the probe's timeout */
	private static Mono<Optional<InetSocketAddress>> answered(StunClient client, InetSocketAddress server,
			ChangeRequest change, Retransmission probe) {
		return client.binding(server, change, probe)
				.map(response -> Optional.of(response.from()))
				.onErrorResume(StunTimeoutException.class, e -> Mono.just(Optional.empty()));
	}

	private static InetSocketAddress mapped(Response response) {
		return response.message().mappedAddress().orElseThrow(() -> new StunFormatException("XOR-MAPPED-ADDRESS",
				"the success response from " + IpLiterals.toString(response.from())
						+ " has neither XOR-MAPPED-ADDRESS nor MAPPED-ADDRESS"));
	}

	/** Whether the server saw the socket's own address: its bound one, or one of this host's when bound to any. */
	private static boolean isLocal(InetSocketAddress mapped, InetSocketAddress local) {
		if (mapped.getPort() != local.getPort()) {
			return false;
		}
		InetAddress bound = local.getAddress();
		if (!bound.isAnyLocalAddress()) {
			return bound.equals(mapped.getAddress());
		}
		try {
			return NetworkInterface.getByInetAddress(mapped.getAddress()) != null;
		}
		catch (SocketException e) {
			return false;
		}
	}
}
