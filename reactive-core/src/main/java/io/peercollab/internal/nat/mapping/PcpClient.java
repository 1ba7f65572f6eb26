// SPDX-License-Identifier: Apache-2.0
package io.peercollab.internal.nat.mapping;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Arrays;
import java.util.Objects;

import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;

/**
 * A PCP client (RFC 6887) for MAP requests of TCP ports. One mapping nonce (96 random bits) per client, the same for
 * every request about its mapping (section 11.1: renewals and the deletion must repeat it); a response whose nonce,
 * protocol or internal port differs is not ours and is dropped. Requests are retransmitted as section 8.1.1 says, on
 * the given schedule.
 */
final class PcpClient implements MappingClient {

	static final String PROTOCOL = "PCP";

	private static final SecureRandom RANDOM = new SecureRandom();

	private final GatewayUdp udp;

	private final Retransmission schedule;

	private final byte[] nonce = new byte[PcpMessages.NONCE_SIZE];

	private PcpClient(GatewayUdp udp, Retransmission schedule) {
		this.udp = udp;
		this.schedule = schedule;
		RANDOM.nextBytes(nonce);
	}

	/** Opens the socket to {@code gateway}'s port 5351; nothing is sent before {@link #map}. */
	static Mono<PcpClient> connect(InetAddress gateway, Retransmission schedule, Scheduler timer) {
		Objects.requireNonNull(schedule, "schedule");
		return connect(new InetSocketAddress(gateway, PcpMessages.SERVER_PORT), schedule, timer);
	}

	/** As {@link #connect(InetAddress, Retransmission, Scheduler)}, to any port (a fake server in tests). */
	static Mono<PcpClient> connect(InetSocketAddress server, Retransmission schedule, Scheduler timer) {
		return GatewayUdp.connect(server, PROTOCOL, PcpMessages.MAX_SIZE, timer)
				.map(udp -> new PcpClient(udp, schedule));
	}

	@Override
	public String protocol() {
		return PROTOCOL;
	}

	@Override
	public Mono<PortMapping> map(int internalPort, int externalPort, Duration lifetime) {
		return Mono.defer(() -> {
			InetAddress client = udp.localAddress();
			byte[] request = PcpMessages.mapRequest(client, lifetime.toSeconds(), nonce, internalPort, externalPort,
					null);
			return udp.exchange(request, schedule, datagram -> answer(datagram, internalPort))
					.map(r -> {
						if (r.lifetime() == 0 || r.externalPort() == 0) {
							throw new GatewayFormatException(PROTOCOL, r.lifetime() == 0 ? "lifetime" : "external port",
									"a successful MAP response grants a lifetime and an external port of at least 1");
						}
						return new PortMapping(PROTOCOL, new InetSocketAddress(client, internalPort),
								new InetSocketAddress(r.externalAddress(), r.externalPort()),
								Duration.ofSeconds(r.lifetime()));
					});
		});
	}

	@Override
	public Mono<Void> unmap(PortMapping mapping) {
		return Mono.defer(() -> {
			int internalPort = mapping.internal().getPort();
			byte[] request = PcpMessages.mapRequest(udp.localAddress(), 0, nonce, internalPort, 0, null);
			return udp.exchange(request, schedule, datagram -> answer(datagram, internalPort)).then();
		});
	}

	@Override
	public Mono<Void> close() {
		return udp.close();
	}

	/** @return the response to our request, null if it is about something else; throws if refused or malformed */
	private PcpMessages.MapResponse answer(ByteBuffer datagram, int internalPort) {
		PcpMessages.MapResponse r = PcpMessages.decodeMapResponse(datagram);
		if (r == null || !Arrays.equals(r.nonce(), nonce) || r.protocol() != PcpMessages.PROTOCOL_TCP
				|| r.internalPort() != internalPort) {
			return null;
		}
		if (r.resultCode() != 0) {
			throw new GatewayRefusedException(PROTOCOL, r.resultCode(), PcpMessages.resultMeaning(r.resultCode()));
		}
		return r;
	}
}
