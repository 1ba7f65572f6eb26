// SPDX-License-Identifier: Apache-2.0
package io.peercollab.internal.nat.mapping;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ThreadLocalRandom;

import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelOption;
import io.netty.channel.FixedRecvByteBufAllocator;
import io.netty.channel.socket.DatagramPacket;
import io.netty.handler.codec.http.HttpMethod;
import io.peercollab.IpLiterals;
import io.peercollab.PeerUnreachableException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.core.scheduler.Scheduler;
import reactor.netty.udp.UdpServer;

/**
 * A UPnP-IGD client: finds the gateway's device description by SSDP (an M-SEARCH for InternetGatewayDevice:1, sent to
 * 239.255.255.250:1900 a few times, as UDA 1.1 advises over UDP), reads its WANIPConnection:2/1 (or
 * WANPPPConnection:1) control URL, and calls GetExternalIPAddress, AddPortMapping and DeletePortMapping over SOAP.
 *
 * <p>Only the gateway is believed: an SSDP response counts only if it comes from the gateway's address and its
 * LOCATION names that address, and the control URL must be on the same host, so another host on the LAN cannot send
 * this client elsewhere. Bounded: SSDP datagrams ({@value UpnpMessages#MAX_SSDP_SIZE} bytes), bodies
 * ({@value #MAX_BODY} bytes), each HTTP exchange ({@link #HTTP_TIMEOUT}) and the search (the given timeout).
 *
 * <p>AddPortMapping asks for the internal port as external port first; on 718 (ConflictInMappingEntry) it tries up
 * to {@value #CONFLICT_RETRIES} random ports, on 725 (OnlyPermanentLeasesSupported) it asks again with lease 0.
 */
final class UpnpIgdClient implements MappingClient {

	static final String PROTOCOL = "UPnP-IGD";

	/** The largest description or SOAP response read. */
	static final int MAX_BODY = 64 * 1024;

	static final Duration HTTP_TIMEOUT = Duration.ofSeconds(5);

	static final int CONFLICT_RETRIES = 3;

	static final String DESCRIPTION = "PeerCollab";

	private static final Logger LOG = LoggerFactory.getLogger(UpnpIgdClient.class);

	private final UpnpMessages.Service service;

	private final Scheduler timer;

	/** This host's address on the last connection to the gateway: what AddPortMapping's NewInternalClient says. */
	private volatile InetAddress local;

	private UpnpIgdClient(UpnpMessages.Service service, Scheduler timer) {
		this.service = service;
		this.timer = timer;
	}

	/**
	 * Searches for the gateway by SSDP and reads its description.
	 *
	 * @param gateway the only address whose answer counts
	 * @param ssdp where M-SEARCH goes (239.255.255.250:1900 but in tests)
	 * @param timeout how long to search; the M-SEARCH is sent three times within it
	 * @return the client; fails with {@link PeerUnreachableException} if no answer came, {@link GatewayFormatException}
	 * or {@link GatewayRefusedException} if the gateway's description has no WAN connection service
	 */
	static Mono<UpnpIgdClient> discover(InetAddress gateway, InetSocketAddress ssdp, Duration timeout,
			Scheduler timer) {
		Objects.requireNonNull(gateway, "gateway");
		Sinks.One<URI> found = Sinks.one();
		int mx = (int) Math.max(1, Math.min(5, timeout.toSeconds() - 1));
		byte[] search = UpnpMessages.search(UpnpMessages.IGD_1, mx);
		return UdpServer.create()
				.bindAddress(() -> new InetSocketAddress(gateway instanceof Inet6Address ? "::" : "0.0.0.0", 0))
				.option(ChannelOption.RCVBUF_ALLOCATOR, new FixedRecvByteBufAllocator(UpnpMessages.MAX_SSDP_SIZE + 1))
				.option(ChannelOption.IP_MULTICAST_TTL, 2)
				.handle((in, out) -> in.receiveObject()
						.ofType(DatagramPacket.class)
						.doOnNext(packet -> {
							if (!packet.sender().getAddress().equals(gateway)) {
								LOG.debug("Ignored an SSDP response from {}, not the gateway",
										IpLiterals.toString(packet.sender()));
								return;
							}
							try {
								URI location = UpnpMessages.location(ByteBufUtil.getBytes(packet.content()));
								if (IpLiterals.parseAddress(GatewayHttp.hostOf(location)).equals(gateway)) {
									found.tryEmitValue(location);
								}
							}
							catch (RuntimeException e) {
								LOG.debug("Ignored an SSDP response from the gateway: {}", e.getMessage());
							}
						})
						.then())
				.bind()
				.flatMap(socket -> Flux.range(0, 3)
						.concatMap(i -> Mono.delay(timeout.dividedBy(4).multipliedBy(i), timer).thenReturn(i))
						.doOnNext(i -> socket.channel().writeAndFlush(
								new DatagramPacket(Unpooled.wrappedBuffer(search), ssdp)))
						.then(Mono.never())
						.cast(URI.class)
						.or(found.asMono())
						.timeout(timeout, Mono.error(() -> new PeerUnreachableException("No UPnP-IGD gateway at "
								+ IpLiterals.toString(gateway) + " answered an SSDP search within "
								+ timeout.toMillis() + " ms")), timer)
						.doFinally(s -> socket.dispose()))
				.onErrorMap(e -> !(e instanceof PeerUnreachableException), e -> new PeerUnreachableException(
						"SSDP search failed: " + e, e))
				.flatMap(location -> at(location, timer));
	}

	/**
	 * Reads the description at {@code location} (skipping SSDP, for a configured or already found gateway).
	 *
	 * @return the client; fails as {@link #discover} does
	 */
	static Mono<UpnpIgdClient> at(URI location, Scheduler timer) {
		return GatewayHttp.exchange(location, HttpMethod.GET, Map.of(), null, MAX_BODY, HTTP_TIMEOUT, timer)
				.map(reply -> {
					if (reply.status() != 200) {
						throw new GatewayRefusedException(PROTOCOL, reply.status(), "HTTP status " + reply.status()
								+ " to GET " + location);
					}
					return new UpnpIgdClient(UpnpMessages.wanService(reply.body(), location)
							.orElseThrow(() -> new GatewayRefusedException(PROTOCOL, 404, "the device description at "
									+ location + " has no WANIPConnection or WANPPPConnection service")), timer);
				});
	}

	@Override
	public String protocol() {
		return PROTOCOL;
	}

	/** @return the service whose actions this client calls */
	UpnpMessages.Service service() {
		return service;
	}

	/** @return GetExternalIPAddress's answer */
	Mono<InetAddress> externalAddress() {
		return call("GetExternalIPAddress", Map.of()).map(reply -> {
			String text = reply.arguments().get("NewExternalIPAddress");
			try {
				return IpLiterals.parseAddress(text == null ? "" : text);
			}
			catch (IllegalArgumentException e) {
				throw new GatewayFormatException(PROTOCOL, "NewExternalIPAddress", "an IP address, was "
						+ UpnpMessages.abbreviate(String.valueOf(text)));
			}
		});
	}

	@Override
	public Mono<PortMapping> map(int internalPort, int externalPort, Duration lifetime) {
		PcpMessages.checkPort("internalPort", internalPort, 1);
		long lease = Math.min(lifetime.toSeconds(), 604800); // WANIPConnection:2's upper limit, one week
		return externalAddress().flatMap(external -> add(internalPort,
				externalPort == 0 ? internalPort : externalPort, lease, CONFLICT_RETRIES)
				.map(granted -> new PortMapping(PROTOCOL, new InetSocketAddress(granted.local(), internalPort),
						new InetSocketAddress(external, granted.port()), Duration.ofSeconds(granted.lease()))));
	}

	private record Granted(InetAddress local, int port, long lease) {
	}

	private Mono<Granted> add(int internalPort, int externalPort, long lease, int retries) {
		// the internal client is this host's address on the connection to the gateway: learnt by a first exchange
		return externalLocalAddress().flatMap(local -> {
			Map<String, String> args = new LinkedHashMap<>();
			args.put("NewRemoteHost", "");
			args.put("NewExternalPort", Integer.toString(externalPort));
			args.put("NewProtocol", "TCP");
			args.put("NewInternalPort", Integer.toString(internalPort));
			args.put("NewInternalClient", IpLiterals.toString(local));
			args.put("NewEnabled", "1");
			args.put("NewPortMappingDescription", DESCRIPTION);
			args.put("NewLeaseDuration", Long.toString(lease));
			return call("AddPortMapping", args).thenReturn(new Granted(local, externalPort, lease));
		}).onErrorResume(GatewayRefusedException.class, e -> {
			if (e.code() == 718 && retries > 0) {
				return add(internalPort, ThreadLocalRandom.current().nextInt(1024, 65536), lease, retries - 1);
			}
			if (e.code() == 725 && lease != 0) {
				return add(internalPort, externalPort, 0, retries);
			}
			return Mono.error(e);
		});
	}

	/** @return this host's address towards the gateway, from the last SOAP exchange (one is made if none was) */
	private Mono<InetAddress> externalLocalAddress() {
		InetAddress known = local;
		return known != null ? Mono.just(known)
				: call("GetExternalIPAddress", Map.of()).map(Reply::local);
	}

	@Override
	public Mono<Void> unmap(PortMapping mapping) {
		Map<String, String> args = new LinkedHashMap<>();
		args.put("NewRemoteHost", "");
		args.put("NewExternalPort", Integer.toString(mapping.external().getPort()));
		args.put("NewProtocol", "TCP");
		return call("DeletePortMapping", args).then();
	}

	@Override
	public Mono<Void> close() {
		return Mono.empty(); // one connection per request: nothing stays open
	}

	private record Reply(Map<String, String> arguments, InetAddress local) {
	}

	private Mono<Reply> call(String action, Map<String, String> arguments) {
		return GatewayHttp.exchange(service.controlUrl(), HttpMethod.POST,
				Map.of("Content-Type", "text/xml; charset=\"utf-8\"",
						"SOAPAction", UpnpMessages.soapAction(service.serviceType(), action)),
				UpnpMessages.soapRequest(service.serviceType(), action, arguments), MAX_BODY, HTTP_TIMEOUT, timer)
				.map(reply -> {
					local = reply.localAddress();
					return new Reply(UpnpMessages.soapResponse(reply.status(), reply.body(), action),
							reply.localAddress());
				});
	}
}
