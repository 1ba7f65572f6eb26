// SPDX-License-Identifier: Apache-2.0
package io.peercollab.internal.nat;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

import io.peercollab.IpLiterals;
import reactor.core.publisher.Mono;
import reactor.netty.Connection;

/**
 * What a host of {@link HolePunchNatLabTest} runs (a child JVM inside a {@link NatLab}): learns its TCP mapping from
 * the STUN server {@code args[0]} for a local port the system picked and prints {@code MAPPED ip:port}; then reads
 * {@code PUNCH ip:port delayMillis deadlineMillis} from its standard input (the test stands in for the connection the
 * two ends already share), punches after the delay, says hello through the connection, and prints
 * {@code RESULT OK millis peer's-greeting} or {@code RESULT FAIL message}.
 */
final class HolePunchProbe {

	private HolePunchProbe() {
	}

	public static void main(String[] args) throws Exception {
		InetSocketAddress stun = IpLiterals.parseSocketAddress(args[0]);
		int port;
		try (ServerSocket free = new ServerSocket(0)) { // a port the system picks, punched from afterwards
			port = free.getLocalPort();
		}
		InetSocketAddress local = new InetSocketAddress("0.0.0.0", port);
		InetSocketAddress mapped = TcpHolePunch.mappedAddress(local, stun, Duration.ofSeconds(10))
				.block(Duration.ofSeconds(15));
		System.out.println("MAPPED " + IpLiterals.toString(mapped));
		System.out.flush();
		BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
		String[] punch = in.readLine().split(" ");
		InetSocketAddress remote = IpLiterals.parseSocketAddress(punch[1]);
		Duration delay = Duration.ofMillis(Long.parseLong(punch[2]));
		Duration deadline = Duration.ofMillis(Long.parseLong(punch[3]));
		long start = System.nanoTime();
		try {
			Connection c = Mono.delay(delay)
					.then(TcpHolePunch.connect(local, remote, deadline))
					.block(deadline.plus(delay).plusSeconds(5));
			String greeting = c.outbound().sendString(Mono.just("hello from " + IpLiterals.toString(mapped) + "\n"))
					.then()
					.then(c.inbound().receive().asString(StandardCharsets.UTF_8).next())
					.block(Duration.ofSeconds(10));
			System.out.printf("RESULT OK %.0f %s%n", (System.nanoTime() - start) / 1e6 - delay.toMillis(),
					greeting.strip());
			c.disposeNow(Duration.ofSeconds(5));
		}
		catch (RuntimeException e) {
			System.out.println("RESULT FAIL " + e.getMessage());
		}
		System.out.flush();
		System.exit(0);
	}
}
