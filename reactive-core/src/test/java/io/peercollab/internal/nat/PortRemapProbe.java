// SPDX-License-Identifier: Apache-2.0
package io.peercollab.internal.nat;

import java.io.PrintWriter;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;

import io.peercollab.IpLiterals;
import io.peercollab.PeerEndPoint;
import io.peercollab.TcpAddress;
import io.peercollab.internal.nat.mapping.PortMapper;
import io.peercollab.internal.resolution.PortMappedEndPoint;
import reactor.core.publisher.Flux;
import reactor.core.scheduler.Schedulers;

/**
 * What a host behind a {@link MiniupnpdGateway} runs (a child JVM there) to show that a change of its interface
 * addresses re-creates its port mapping: the engine's {@link PortMappedEndPoint} maps a listening port by one protocol,
 * watching the host's real interface addresses ({@link InterfaceWatch}, read every 200 ms), and says on standard
 * output {@code GRANTED <internal> <external>} for each mapping a session obtains (not the renewals), and
 * {@code PUBLISHED <endpoint or ->} each time the address the engine publishes changes. The listening port answers
 * each connection's first line with {@code pong <line>}.
 *
 * <p>Arguments: protocol, gateway address, lifetime in seconds.
 */
final class PortRemapProbe {

	private PortRemapProbe() {
	}

	public static void main(String[] args) throws Exception {
		String protocol = args[0];
		InetAddress gateway = IpLiterals.parseAddress(args[1]);
		Duration lifetime = Duration.ofSeconds(Long.parseLong(args[2]));
		PrintWriter out = new PrintWriter(System.out, true, StandardCharsets.UTF_8);
		try (ServerSocket server = new ServerSocket(0, 5, InetAddress.getByAddress(new byte[4]))) {
			PortMapper.Settings settings = PortMapper.Settings.defaults().gateway(gateway)
					.protocols(List.of(protocol)).lifetime(lifetime).retry(Duration.ofSeconds(1), Duration.ofSeconds(5));
			PortMappedEndPoint[] endPoint = new PortMappedEndPoint[1];
			endPoint[0] = new PortMappedEndPoint(true, settings,
					() -> out.println("PUBLISHED " + endPoint[0].endPoint().map(PeerEndPoint::name).orElse("-")),
					InterfaceWatch.changes(InterfaceWatch::hostAddresses, Duration.ofMillis(200), Schedulers.parallel())
							.doOnNext(now -> out.println("INTERFACES " + now)));
			endPoint[0].start(TcpAddress.of(new InetSocketAddress(InetAddress.getByAddress(new byte[4]),
					server.getLocalPort())));
			// what the engine would publish now, and how many remaps it took: a line each time either changes
			Flux.interval(Duration.ofMillis(50))
					.map(tick -> endPoint[0].endPoint().map(PeerEndPoint::name).orElse("-") + " "
							+ endPoint[0].remaps())
					.distinctUntilChanged()
					.subscribe(state -> out.println("STATE " + state));
			while (true) {
				try (Socket s = server.accept()) {
					String line = new java.io.BufferedReader(new java.io.InputStreamReader(s.getInputStream(),
							StandardCharsets.UTF_8)).readLine();
					s.getOutputStream().write(("pong " + line + "\n").getBytes(StandardCharsets.UTF_8));
					s.getOutputStream().flush();
				}
			}
		}
	}
}
