// SPDX-License-Identifier: Apache-2.0
package io.peercollab.internal.nat;

import java.io.IOException;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;


/**
 * One host behind one NAT router, each in its own network namespace, built from inside the test JVM's namespace (the
 * "Internet", where {@link CoturnServer} runs): holder processes ({@code unshare -n sleep}) keep the namespaces alive
 * and every command runs in them through {@code nsenter -t PID -n}, so nothing is mounted and everything goes when the
 * holders are killed.
 *
 * <pre>
 *  test JVM's namespace: nlNw 10.200.N.1/30 ── wan0 10.200.N.2/30 [router: nftables NAT] lan0 10.1.N.1/24 ── eth0 10.1.N.2/24 [host]
 * </pre>
 *
 * Only private addresses, only inside namespaces: it refuses to build anything in a namespace that has an interface
 * other than {@code lo} and those it made itself, so it can never touch a real network. Needs root, {@code unshare},
 * {@code nsenter} and {@code nft}; {@link #assumeAvailable()} skips the test with the reason elsewhere, or fails it
 * under {@code PEERCOLLAB_CI}.
 */
final class NatLab implements AutoCloseable {

	/** The NAT a router does. */
	enum Nat {
		/** No NAT: the router only routes, and the host's own address is public. */
		NONE(""),
		/**
		 * Endpoint-independent mapping and filtering ("full cone"): {@code masquerade persistent}, and a map from each
		 * external port to the host that last used it, through which anyone's packets to that port reach the host.
		 */
		FULL_CONE("masquerade persistent"),
		/** {@code masquerade}: keeps the source port where it can, one mapping per flow (port-restricted cone). */
		MASQUERADE("masquerade"),
		/** {@code masquerade random}: a random port for each flow (symmetric). */
		MASQUERADE_RANDOM("masquerade random");

		private final String rule;

		Nat(String rule) {
			this.rule = rule;
		}
	}

	private static final AtomicInteger NEXT_LAB = new AtomicInteger();

	/** The interfaces labs of this JVM made in its namespace: the only ones besides lo that the guard accepts. */
	private static final Set<String> OURS = ConcurrentHashMap.newKeySet();

	private static final Duration COMMAND_WAIT = Duration.ofSeconds(10);

	private final int index;

	private final Process router;

	private final Process host;

	private final String wanLink;

	private NatLab(int index, Process router, Process host, String wanLink) {
		this.index = index;
		this.router = router;
		this.host = host;
		this.wanLink = wanLink;
	}

	/** Skips the calling test (fails it under {@code PEERCOLLAB_CI}) unless a lab can be built here. */
	static void assumeAvailable() {
		CoturnServer.skipOrFail("the NAT lab cannot be built", unavailableReason());
	}

	/** @return why no lab can be built here, or {@code null} */
	static String unavailableReason() {
		String coturn = CoturnServer.unavailableReason();
		if (coturn != null) {
			return coturn;
		}
		String foreign = foreignInterface();
		if (foreign != null) {
			return "the test's network namespace has the interface " + foreign + " besides lo: the NAT lab is built "
					+ "only inside a loopback-only namespace";
		}
		for (String tool : List.of("/usr/bin/unshare", "/usr/bin/nsenter", "/usr/sbin/nft")) {
			if (!Files.isExecutable(Path.of(tool))) {
				return tool + " is missing (`apt-get install nftables`, as .ci/run does as root)";
			}
		}
		return null;
	}

	private static String foreignInterface() {
		try {
			for (NetworkInterface nif : Collections.list(NetworkInterface.getNetworkInterfaces())) {
				if (!nif.isLoopback() && !OURS.contains(nif.getName())) {
					return nif.getName();
				}
			}
			return null;
		}
		catch (SocketException e) {
			return "(cannot list interfaces: " + e.getMessage() + ")";
		}
	}

	/**
	 * Builds a host behind a router doing {@code nat}.
	 *
	 * @throws IllegalStateException if a step fails; what was built is torn down
	 */
	static NatLab build(Nat nat) {
		return build(nat, false);
	}

	/**
	 * Builds a host behind a router doing {@code nat}, routed to and from this namespace (and so from every other lab
	 * of this JVM: this namespace forwards between them).
	 *
	 * @param stealth whether the router drops a connection attempt from outside that belongs to no flow, as home routers
	 *     do, instead of answering it with a reset (what TCP hole punching needs to be reliable)
	 * @throws IllegalStateException if a step fails; what was built is torn down
	 */
	static NatLab build(Nat nat, boolean stealth) {
		assumeAvailable();
		String foreign = foreignInterface(); // checked again right before building, never built on a real network
		if (foreign != null) {
			throw new IllegalStateException("refusing to build a NAT lab next to interface " + foreign);
		}
		int n = NEXT_LAB.getAndIncrement();
		if (n > 250) {
			throw new IllegalStateException("no lab subnet left");
		}
		Process router = null;
		Process host = null;
		String wan = "nl" + n + "w";
		String lan = "nl" + n + "l";
		try {
			router = holder();
			host = holder();
			long r = router.pid();
			long h = host.pid();
			OURS.add(wan);
			OURS.add(lan);
			run("ip", "link", "add", wan, "type", "veth", "peer", "name", "wan0", "netns", Long.toString(r));
			run("ip", "link", "add", lan, "type", "veth", "peer", "name", "eth0", "netns", Long.toString(h));
			run("ip", "link", "set", lan, "netns", Long.toString(r));
			run("ip", "addr", "add", "10.200." + n + ".1/30", "dev", wan);
			run("ip", "link", "set", wan, "up");
			in(r, "ip", "link", "set", lan, "name", "lan0");
			in(r, "ip", "link", "set", "lo", "up");
			in(r, "ip", "link", "set", "wan0", "up");
			in(r, "ip", "link", "set", "lan0", "up");
			in(r, "ip", "addr", "add", "10.200." + n + ".2/30", "dev", "wan0");
			in(r, "ip", "addr", "add", "10.1." + n + ".1/24", "dev", "lan0");
			in(r, "ip", "route", "add", "default", "via", "10.200." + n + ".1");
			in(r, "sysctl", "-q", "-w", "net.ipv4.ip_forward=1");
			runWithInput(rules(nat, stealth), "nsenter", "-t", Long.toString(r), "-n", "nft", "-f", "-");
			// this namespace is the labs' Internet: it routes between them, and to a host that is not behind a NAT
			run("sysctl", "-q", "-w", "net.ipv4.ip_forward=1");
			if (nat == Nat.NONE) {
				run("ip", "route", "add", "10.1." + n + ".0/24", "via", "10.200." + n + ".2");
			}
			in(h, "ip", "link", "set", "lo", "up");
			in(h, "ip", "link", "set", "eth0", "up");
			in(h, "ip", "addr", "add", "10.1." + n + ".2/24", "dev", "eth0");
			in(h, "ip", "route", "add", "default", "via", "10.1." + n + ".1");
			return new NatLab(n, router, host, wan);
		}
		catch (IOException | RuntimeException e) {
			teardown(router, host, wan);
			throw new IllegalStateException("could not build the NAT lab: " + e.getMessage(), e);
		}
	}

	/** @return the router's nftables rule set for {@code nat} */
	private static String rules(Nat nat, boolean stealth) {
		StringBuilder r = new StringBuilder("table ip nat {\n");
		if (nat == Nat.FULL_CONE) {
			// the recipe's full cone: the last host to send from an external port receives whatever comes to it
			r.append(" map fc_tcp { type inet_service : ipv4_addr; flags dynamic,timeout; timeout 5m; }\n")
					.append(" map fc_udp { type inet_service : ipv4_addr; flags dynamic,timeout; timeout 5m; }\n")
					.append(" chain prerouting {\n  type nat hook prerouting priority dstnat; policy accept;\n")
					.append("  iifname \"wan0\" meta l4proto tcp dnat ip to tcp dport map @fc_tcp\n")
					.append("  iifname \"wan0\" meta l4proto udp dnat ip to udp dport map @fc_udp\n }\n");
		}
		r.append(" chain postrouting {\n  type nat hook postrouting priority srcnat; policy accept;\n");
		if (nat == Nat.FULL_CONE) {
			r.append("  oifname \"wan0\" meta l4proto tcp update @fc_tcp { tcp sport timeout 5m : ip saddr }\n")
					.append("  oifname \"wan0\" meta l4proto udp update @fc_udp { udp sport timeout 5m : ip saddr }\n");
		}
		if (nat != Nat.NONE) {
			r.append("  oifname \"wan0\" ").append(nat.rule).append('\n');
		}
		r.append(" }\n}\n");
		if (stealth) {
			r.append("table ip filter {\n")
					.append(" chain input {\n  type filter hook input priority filter; policy accept;\n")
					.append("  iifname \"wan0\" ct state new drop\n }\n")
					.append(" chain forward {\n  type filter hook forward priority filter; policy accept;\n")
					.append("  ct status dnat accept\n");
			if (nat != Nat.NONE) {
				r.append("  iifname \"wan0\" ct state new drop\n");
			}
			r.append(" }\n}\n");
		}
		return r.toString();
	}

	/** @return the router's WAN address: what a server on the Internet side sees as the host's */
	String routerWanAddress() {
		return "10.200." + index + ".2";
	}

	/** @return the router's namespace's holder process id, for {@code nsenter -t PID -n} */
	long routerPid() {
		return router.pid();
	}

	/** @return the host's namespace's holder process id, for {@code nsenter -t PID -n} */
	long hostPid() {
		return host.pid();
	}

	/** @return the router's LAN address: the host's default gateway */
	String routerLanAddress() {
		return "10.1." + index + ".1";
	}

	/** @return the host's own address */
	String hostAddress() {
		return "10.1." + index + ".2";
	}

	/**
	 * Gives the host a new address on its LAN, as a new DHCP lease does: {@code 10.1.N.3} is added, then the old
	 * {@code 10.1.N.2} deleted (the new one promoted, so that the LAN and default routes stay), and the default route
	 * set again through the router.
	 *
	 * @return the host's new address
	 */
	String moveHostAddress() throws IOException {
		long h = host.pid();
		String moved = "10.1." + index + ".3";
		in(h, "sysctl", "-q", "-w", "net.ipv4.conf.eth0.promote_secondaries=1");
		in(h, "ip", "addr", "add", moved + "/24", "dev", "eth0");
		in(h, "ip", "addr", "del", hostAddress() + "/24", "dev", "eth0");
		in(h, "ip", "route", "replace", "default", "via", routerLanAddress());
		return moved;
	}

	/**
	 * Runs {@code mainClass} in a child JVM inside the host's namespace, with this JVM's class path.
	 *
	 * @return its standard output; fails if it exits with other than 0 or takes longer than {@code timeout}
	 */
	String runJavaOnHost(Duration timeout, Class<?> mainClass, String... args) throws IOException {
		List<String> command = new ArrayList<>(List.of("nsenter", "-t", Long.toString(host.pid()), "-n",
				Path.of(System.getProperty("java.home"), "bin", "java").toString(),
				"-cp", System.getProperty("java.class.path"), mainClass.getName()));
		command.addAll(List.of(args));
		Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
		try {
			if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
				p.destroyForcibly();
				throw new IOException(mainClass.getSimpleName() + " did not finish within " + timeout);
			}
			String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
			if (p.exitValue() != 0) {
				throw new IOException(mainClass.getSimpleName() + " exited with " + p.exitValue() + ":\n" + out);
			}
			return out;
		}
		catch (InterruptedException e) {
			p.destroyForcibly();
			Thread.currentThread().interrupt();
			throw new IOException(e);
		}
	}

	/**
	 * Starts {@code mainClass} in a child JVM inside the host's namespace, with this JVM's class path, and returns at
	 * once: the caller talks to it through its standard input and output (error merged), and destroys it.
	 */
	Process startJavaOnHost(Class<?> mainClass, String... args) throws IOException {
		List<String> command = new ArrayList<>(List.of("nsenter", "-t", Long.toString(host.pid()), "-n",
				Path.of(System.getProperty("java.home"), "bin", "java").toString(),
				"-cp", System.getProperty("java.class.path"), mainClass.getName()));
		command.addAll(List.of(args));
		return new ProcessBuilder(command).redirectErrorStream(true).start();
	}

	/** Kills the holders (their namespaces go with them) and deletes the veth end in this namespace. */
	@Override
	public void close() {
		teardown(router, host, wanLink);
	}

	private static void teardown(Process router, Process host, String wan) {
		for (Process p : new Process[] {host, router}) {
			if (p != null) {
				p.destroyForcibly();
				try {
					p.waitFor(5, TimeUnit.SECONDS);
				}
				catch (InterruptedException e) {
					Thread.currentThread().interrupt();
				}
			}
		}
		try {
			// a dead namespace's veths linger for some milliseconds: delete this end now (fails if already gone)
			run("ip", "link", "del", wan);
		}
		catch (IOException e) {
			// already gone with the router's namespace
		}
	}

	/** Starts a process in a new network namespace and waits until it is there. */
	private static Process holder() throws IOException {
		Process p = new ProcessBuilder("unshare", "-n", "sleep", "3600").redirectErrorStream(true).start();
		Path ours = Path.of("/proc/self/ns/net");
		Path theirs = Path.of("/proc", Long.toString(p.pid()), "ns", "net");
		long deadline = System.nanoTime() + COMMAND_WAIT.toNanos();
		while (System.nanoTime() < deadline) {
			try {
				if (!Files.readSymbolicLink(theirs).equals(Files.readSymbolicLink(ours))) {
					return p;
				}
			}
			catch (IOException e) {
				// not readable yet
			}
			if (!p.isAlive()) {
				throw new IOException("unshare -n exited with " + p.exitValue());
			}
			Thread.onSpinWait(); // unshare takes about a millisecond to switch
		}
		p.destroyForcibly();
		throw new IOException("the holder did not enter its own network namespace within " + COMMAND_WAIT);
	}

	private static void in(long pid, String... command) throws IOException {
		List<String> full = new ArrayList<>(List.of("nsenter", "-t", Long.toString(pid), "-n"));
		full.addAll(List.of(command));
		run(full.toArray(String[]::new));
	}

	private static void run(String... command) throws IOException {
		runWithInput(null, command);
	}

	private static void runWithInput(String input, String... command) throws IOException {
		Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
		if (input != null) {
			p.getOutputStream().write(input.getBytes(StandardCharsets.UTF_8));
		}
		p.getOutputStream().close();
		try {
			if (!p.waitFor(COMMAND_WAIT.toMillis(), TimeUnit.MILLISECONDS)) {
				p.destroyForcibly();
				throw new IOException("`" + String.join(" ", command) + "` did not finish within " + COMMAND_WAIT);
			}
			if (p.exitValue() != 0) {
				throw new IOException("`" + String.join(" ", command) + "` failed: "
						+ new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim());
			}
		}
		catch (InterruptedException e) {
			Thread.currentThread().interrupt();
			throw new IOException(e);
		}
	}
}
