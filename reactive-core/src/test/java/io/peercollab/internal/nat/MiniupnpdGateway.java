// SPDX-License-Identifier: Apache-2.0
package io.peercollab.internal.nat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Stream;


/**
 * A real miniupnpd (Debian's {@code miniupnpd} with the {@code miniupnpd-nftables} backend, 2.3.1 here) as the
 * {@link NatLab} router's UPnP-IGD, NAT-PMP and PCP server, in the router's namespace: WAN {@code wan0}, LAN
 * {@code lan0}, secure mode (a host maps only to itself), the lab's LAN allowed ports 1024-65535, a lease file and a
 * pid file in a temporary directory, and no configuration from {@code /etc}.
 *
 * <p>The router's nftables get the skeleton miniupnpd 2.3.1 expects in {@code table inet filter}: a forward chain
 * (policy drop: what comes from the WAN passes only as an established flow or through a mapping) that jumps to chain
 * {@code miniupnpd}, and NAT chains that jump to {@code prerouting_miniupnpd} and {@code postrouting_miniupnpd}, where
 * miniupnpd writes a mapping's accept and DNAT rules.
 *
 * <p>miniupnpd refuses to forward ports when its WAN address is private ("Reserved / private IP address ...: Port
 * forwarding is impossible"), as the lab's 10.200.N.2 is, and 2.3.1 has no switch for it; but it believes a STUN
 * server: with {@code ext_perform_stun} against the lab's coturn (RFC 5780, two addresses) it finds itself "behind
 * unrestricted full-cone NAT 1:1" and forwards. {@link #start} waits until it says so and listens.
 */
final class MiniupnpdGateway implements AutoCloseable {

	private static final Duration READY_WAIT = Duration.ofSeconds(15);

	private static final Path MINIUPNPD = Path.of("/usr/sbin/miniupnpd");

	private final Process process;

	private final Path directory;

	private final long routerPid;

	private final StringBuffer log;

	private MiniupnpdGateway(Process process, Path directory, long routerPid, StringBuffer log) {
		this.process = process;
		this.directory = directory;
		this.routerPid = routerPid;
		this.log = log;
	}

	/** @return why miniupnpd cannot run here, or {@code null} */
	static String unavailableReason() {
		String lab = NatLab.unavailableReason();
		if (lab != null) {
			return lab;
		}
		if (!Files.isExecutable(MINIUPNPD)) {
			return "miniupnpd is not installed (`apt-get install miniupnpd miniupnpd-nftables`, as .ci/run does as "
					+ "root)";
		}
		return null;
	}

	/** Skips the calling test (fails it under {@code PEERCOLLAB_CI}) unless miniupnpd can run in a lab here. */
	static void assumeAvailable() {
		CoturnServer.skipOrFail("miniupnpd cannot run in a NAT lab", unavailableReason());
	}

	/**
	 * Sets up the router's nftables skeleton and starts miniupnpd there, with {@code stun} as its STUN server; waits
	 * until port forwarding is enabled and it listens for HTTP and NAT-PMP/PCP.
	 *
	 * @param minLifetime the shortest PCP lifetime it grants (its default is 120 s)
	 */
	static MiniupnpdGateway start(NatLab lab, CoturnServer stun, Duration minLifetime) throws IOException {
		assumeAvailable();
		long r = lab.routerPid();
		run(List.of("nsenter", "-t", Long.toString(r), "-n", "nft", "-f", "-"), """
				table inet filter {
				 chain forward {
				  type filter hook forward priority 0; policy drop;
				  ct state established,related accept
				  jump miniupnpd
				  iifname "lan0" accept
				 }
				 chain miniupnpd {
				 }
				 chain prerouting {
				  type nat hook prerouting priority dstnat; policy accept;
				  jump prerouting_miniupnpd
				 }
				 chain postrouting {
				  type nat hook postrouting priority srcnat; policy accept;
				  jump postrouting_miniupnpd
				 }
				 chain prerouting_miniupnpd {
				 }
				 chain postrouting_miniupnpd {
				 }
				}
				""");
		Path directory = Files.createTempDirectory("peercollab-miniupnpd");
		String lan = lab.routerLanAddress();
		String subnet = lan.substring(0, lan.lastIndexOf('.')) + ".0/24";
		Files.writeString(directory.resolve("miniupnpd.conf"), String.join("\n",
				"ext_ifname=wan0",
				"listening_ip=lan0",
				"http_port=0",
				"enable_natpmp=yes",
				"enable_upnp=yes",
				"secure_mode=yes",
				"system_uptime=no",
				"ext_perform_stun=yes",
				"ext_stun_host=" + stun.primary().getAddress().getHostAddress(),
				"ext_stun_port=" + stun.primary().getPort(),
				"uuid=" + UUID.randomUUID(),
				"lease_file=" + directory.resolve("leases"),
				"min_lifetime=" + Math.max(1, minLifetime.toSeconds()),
				"max_lifetime=86400",
				"upnp_table_name=filter",
				"upnp_nat_table_name=filter",
				"upnp_forward_chain=miniupnpd",
				"upnp_nat_chain=prerouting_miniupnpd",
				"upnp_nat_postrouting_chain=postrouting_miniupnpd",
				"allow 1024-65535 " + subnet + " 1024-65535",
				"deny 0-65535 0.0.0.0/0 0-65535",
				""), StandardCharsets.UTF_8);
		Process process = new ProcessBuilder("nsenter", "-t", Long.toString(r), "-n", MINIUPNPD.toString(), "-d",
				"-f", directory.resolve("miniupnpd.conf").toString(), "-P", directory.resolve("miniupnpd.pid").toString())
				.redirectErrorStream(true).start();
		StringBuffer log = new StringBuffer();
		CompletableFuture<Void> forwarding = new CompletableFuture<>();
		CompletableFuture<Void> listening = new CompletableFuture<>();
		Thread reader = new Thread(() -> {
			try (BufferedReader in = new BufferedReader(new InputStreamReader(process.getInputStream(),
					StandardCharsets.UTF_8))) {
				for (String line; (line = in.readLine()) != null; ) {
					log.append(line).append('\n');
					if (line.contains("Port forwarding is now enabled")
							|| line.contains("Port forwarding is enabled")) {
						forwarding.complete(null);
					}
					if (line.contains("Listening for NAT-PMP/PCP traffic")) {
						listening.complete(null);
					}
				}
			}
			catch (IOException e) {
				// the process ended
			}
			forwarding.completeExceptionally(new IOException("miniupnpd exited"));
			listening.completeExceptionally(new IOException("miniupnpd exited"));
		}, "miniupnpd-log");
		reader.setDaemon(true);
		reader.start();
		MiniupnpdGateway gateway = new MiniupnpdGateway(process, directory, r, log);
		try {
			CompletableFuture.allOf(forwarding, listening).get(READY_WAIT.toMillis(), TimeUnit.MILLISECONDS);
			return gateway;
		}
		catch (ExecutionException | TimeoutException e) {
			gateway.close();
			throw new IOException("miniupnpd did not enable port forwarding and listen within " + READY_WAIT + ":\n"
					+ log, e);
		}
		catch (InterruptedException e) {
			gateway.close();
			Thread.currentThread().interrupt();
			throw new IOException(e);
		}
	}

	/** @return the lease file: one line {@code TCP:ext:int-ip:int-port:expiry:description} per mapping */
	List<String> leases() throws IOException {
		Path file = directory.resolve("leases");
		return Files.exists(file) ? Files.readAllLines(file, StandardCharsets.UTF_8) : List.of();
	}

	/** @return the lease of external TCP port {@code port}, or {@code null} */
	String lease(int port) throws IOException {
		return leases().stream().filter(l -> l.startsWith("TCP:" + port + ":")).findFirst().orElse(null);
	}

	/** @return the DNAT rules miniupnpd keeps in the router's {@code prerouting_miniupnpd} chain */
	String natRules() throws IOException {
		return run(List.of("nsenter", "-t", Long.toString(routerPid), "-n", "nft", "list", "chain", "inet", "filter",
				"prerouting_miniupnpd"), null);
	}

	/** @return what miniupnpd logged so far */
	String log() {
		return log.toString();
	}

	/** Stops miniupnpd (SIGTERM, then SIGKILL after 5 s) and deletes its directory. */
	@Override
	public void close() {
		process.destroy();
		try {
			if (!process.waitFor(5, TimeUnit.SECONDS)) {
				process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
			}
		}
		catch (InterruptedException e) {
			process.destroyForcibly();
			Thread.currentThread().interrupt();
		}
		try (Stream<Path> files = Files.walk(directory)) {
			files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
		}
		catch (IOException e) {
			// a temporary directory
		}
	}

	private static String run(List<String> command, String input) throws IOException {
		Process p = new ProcessBuilder(new ArrayList<>(command)).redirectErrorStream(true).start();
		if (input != null) {
			p.getOutputStream().write(input.getBytes(StandardCharsets.UTF_8));
		}
		p.getOutputStream().close();
		try {
			String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
			if (!p.waitFor(10, TimeUnit.SECONDS) || p.exitValue() != 0) {
				throw new IOException("`" + String.join(" ", command) + "` failed: " + out.trim());
			}
			return out;
		}
		catch (InterruptedException e) {
			Thread.currentThread().interrupt();
			throw new IOException(e);
		}
	}

	@Override
	public String toString() {
		return "miniupnpd in the namespace of process " + routerPid;
	}
}
