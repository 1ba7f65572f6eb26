// SPDX-License-Identifier: Apache-2.0
package io.peercollab.internal.nat;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

import io.peercollab.IpLiterals;
import io.peercollab.internal.nat.mapping.PortMapper;
import io.peercollab.internal.nat.mapping.PortMapping;

/**
 * What a host behind a {@link MiniupnpdGateway} runs (a child JVM there): listens on a TCP port, maps it with one
 * protocol through a {@link PortMapper}, and reports on standard output, one line each:
 * {@code MAPPED <external> <lifetime-s> <ms>} once mapped, {@code ACCEPTED <remote>} for the connection it then
 * accepts (answering the line it reads with {@code pong <line>}), {@code RENEWED <external> <lifetime-s>} for each
 * renewal, and {@code CLOSED} once {@code close} on standard input made it delete the mapping.
 *
 * <p>Arguments: protocol ({@code PCP}, {@code NAT-PMP}, {@code UPnP-IGD}), gateway address, lifetime in seconds.
 */
final class PortMappingProbe {

	private PortMappingProbe() {
	}

	public static void main(String[] args) throws Exception {
		String protocol = args[0];
		InetAddress gateway = IpLiterals.parseAddress(args[1]);
		Duration lifetime = Duration.ofSeconds(Long.parseLong(args[2]));
		PrintWriter out = new PrintWriter(System.out, true, StandardCharsets.UTF_8);
		try (ServerSocket server = new ServerSocket(0, 5, InetAddress.getByAddress(new byte[4]))) {
			long start = System.nanoTime();
			PortMapper mapper = PortMapper.start(server.getLocalPort(), PortMapper.Settings.defaults()
					.gateway(gateway).protocols(List.of(protocol)).lifetime(lifetime)
					.retry(Duration.ofSeconds(1), Duration.ofSeconds(5)));
			mapper.grants().skip(1).subscribe(m -> out.println("RENEWED " + IpLiterals.toString(m.external()) + " "
					+ m.lifetime().toSeconds()));
			PortMapping mapping = mapper.mappings().filter(Optional::isPresent).map(Optional::get).next()
					.block(Duration.ofSeconds(60));
			out.printf("MAPPED %s %d %.1f%n", IpLiterals.toString(mapping.external()), mapping.lifetime().toSeconds(),
					(System.nanoTime() - start) / 1e6);
			try (Socket s = server.accept()) {
				out.println("ACCEPTED " + IpLiterals.toString((java.net.InetSocketAddress) s.getRemoteSocketAddress()));
				BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8));
				String line = in.readLine();
				s.getOutputStream().write(("pong " + line + "\n").getBytes(StandardCharsets.UTF_8));
				s.getOutputStream().flush();
			}
			BufferedReader commands = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
			for (String command; (command = commands.readLine()) != null; ) {
				if (command.equals("close")) {
					mapper.close().block(Duration.ofSeconds(20));
					out.println("CLOSED " + mapper.lastError().map(Throwable::toString).orElse("-"));
					break;
				}
			}
		}
		System.exit(0);
	}
}
