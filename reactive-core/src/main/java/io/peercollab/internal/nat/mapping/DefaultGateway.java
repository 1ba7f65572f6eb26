// SPDX-License-Identifier: Apache-2.0
package io.peercollab.internal.nat.mapping;

import java.io.IOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * Where the port-mapping requests go: the next hop of the default IPv4 route. Java has no portable call for it, so it
 * is read from Linux's {@code /proc/net/route} (the route with destination and mask 0.0.0.0, flags UP and GATEWAY, of
 * the lowest metric); on other systems, or where that file says nothing, the gateway has to be configured
 * ({@link PortMapper.Settings#gateway}), and without one no mapping is tried.
 */
final class DefaultGateway {

	static final Path PROC_NET_ROUTE = Path.of("/proc/net/route");

	/** Read no more of the file than this: a routing table of thousands of routes is not a home router's. */
	static final int MAX_SIZE = 1 << 20;

	private static final int RTF_UP = 0x1;

	private static final int RTF_GATEWAY = 0x2;

	private DefaultGateway() {
	}

	/** @return the default gateway from {@link #PROC_NET_ROUTE}; empty if there is none or the file is absent */
	static Optional<InetAddress> fromProcNetRoute() {
		return fromProcNetRoute(PROC_NET_ROUTE);
	}

	static Optional<InetAddress> fromProcNetRoute(Path file) {
		try {
			if (!Files.isReadable(file) || Files.size(file) > MAX_SIZE) {
				return Optional.empty();
			}
			return parse(Files.readAllLines(file, StandardCharsets.US_ASCII));
		}
		catch (IOException e) {
			return Optional.empty();
		}
	}

	/**
	 * Reads the lines of {@code /proc/net/route}: a header, then {@code Iface Destination Gateway Flags RefCnt Use
	 * Metric Mask ...} with addresses as 8 hex digits of the kernel's 32-bit value, little-endian as on x86 and ARM
	 * (big-endian machines such as s390x must configure the gateway).
	 */
	static Optional<InetAddress> parse(List<String> lines) {
		InetAddress best = null;
		long bestMetric = Long.MAX_VALUE;
		for (int i = 1; i < lines.size(); i++) {
			String[] f = lines.get(i).trim().split("\\s+");
			if (f.length < 8) {
				continue;
			}
			try {
				int flags = Integer.parseInt(f[3], 16);
				long metric = Long.parseLong(f[6]);
				if (!"00000000".equals(f[1]) || !"00000000".equals(f[7])
						|| (flags & (RTF_UP | RTF_GATEWAY)) != (RTF_UP | RTF_GATEWAY) || f[2].length() != 8) {
					continue;
				}
				long raw = Long.parseLong(f[2], 16);
				byte[] address = {(byte) raw, (byte) (raw >> 8), (byte) (raw >> 16), (byte) (raw >> 24)};
				if (metric < bestMetric) {
					best = InetAddress.getByAddress(address);
					bestMetric = metric;
				}
			}
			catch (NumberFormatException | UnknownHostException e) {
				// not a route line
			}
		}
		return Optional.ofNullable(best);
	}
}
