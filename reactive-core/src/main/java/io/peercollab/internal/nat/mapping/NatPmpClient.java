// SPDX-License-Identifier: Apache-2.0
package io.peercollab.internal.nat.mapping;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Objects;

import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;

/**
 * A NAT-PMP client (RFC 6886): the external address request, then a TCP mapping request; a renewal repeats the
 * mapping request with the mapped port as suggestion, a deletion sends lifetime 0 and suggested port 0 (section 3.4).
 * Requests are retransmitted as section 3.1 says, on the given schedule. IPv4 only, as NAT-PMP is.
 */
final class NatPmpClient implements MappingClient {

	static final String PROTOCOL = "NAT-PMP";

	private final GatewayUdp udp;

	private final Retransmission schedule;

	private NatPmpClient(GatewayUdp udp, Retransmission schedule) {
		this.udp = udp;
		this.schedule = schedule;
	}

	/** Opens the socket to {@code gateway}'s port 5351; nothing is sent before {@link #map}. */
	static Mono<NatPmpClient> connect(InetAddress gateway, Retransmission schedule, Scheduler timer) {
		return connect(new InetSocketAddress(gateway, NatPmpMessages.SERVER_PORT), schedule, timer);
	}

	/** As {@link #connect(InetAddress, Retransmission, Scheduler)}, to any port (a fake server in tests). */
	static Mono<NatPmpClient> connect(InetSocketAddress server, Retransmission schedule, Scheduler timer) {
		Objects.requireNonNull(schedule, "schedule");
		return GatewayUdp.connect(server, PROTOCOL, NatPmpMessages.MAX_SIZE, timer)
				.map(udp -> new NatPmpClient(udp, schedule));
	}

	@Override
	public String protocol() {
		return PROTOCOL;
	}

	/** @return the gateway's external IPv4 address */
	Mono<InetAddress> externalAddress() {
		return udp.exchange(NatPmpMessages.externalAddressRequest(), schedule,
				NatPmpMessages::decodeExternalAddressResponse)
				.map(NatPmpMessages.ExternalAddressResponse::externalAddress);
	}

	@Override
	public Mono<PortMapping> map(int internalPort, int externalPort, Duration lifetime) {
		return externalAddress().flatMap(external -> udp.exchange(
				NatPmpMessages.mapTcpRequest(internalPort, externalPort, lifetime.toSeconds()), schedule,
				datagram -> {
					NatPmpMessages.MapResponse r = NatPmpMessages.decodeMapTcpResponse(datagram);
					return r == null || r.internalPort() != internalPort ? null : r;
				})
				.map(r -> {
					if (r.lifetime() == 0 || r.externalPort() == 0) {
						throw new GatewayFormatException(PROTOCOL, r.lifetime() == 0 ? "lifetime" : "mapped external port",
								"a successful mapping response grants a lifetime and a port of at least 1");
					}
					return new PortMapping(PROTOCOL, new InetSocketAddress(udp.localAddress(), internalPort),
							new InetSocketAddress(external, r.externalPort()), Duration.ofSeconds(r.lifetime()));
				}));
	}

	@Override
	public Mono<Void> unmap(PortMapping mapping) {
		int internalPort = mapping.internal().getPort();
		return udp.exchange(NatPmpMessages.mapTcpRequest(internalPort, 0, 0), schedule, datagram -> {
			NatPmpMessages.MapResponse r = NatPmpMessages.decodeMapTcpResponse(datagram);
			return r == null || r.internalPort() != internalPort ? null : r;
		}).then();
	}

	@Override
	public Mono<Void> close() {
		return udp.close();
	}
}
