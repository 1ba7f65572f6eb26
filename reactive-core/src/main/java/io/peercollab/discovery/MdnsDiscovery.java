// SPDX-License-Identifier: Apache-2.0
package io.peercollab.discovery;

import java.io.IOException;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;

import io.peercollab.PeerCollabException;
import io.peercollab.spi.Announcement;
import io.peercollab.spi.Discovery;
import io.peercollab.spi.DiscoveryHost;
import io.peercollab.spi.DiscoverySession;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/**
 * Near-me discovery over mDNS/DNS-SD with jmDNS: announces this endpoint as a {@code _peercollab._tcp.local.} service
 * and browses for others. An immutable configuration. An endpoint takes a {@link #host()}: its first sign-in opens
 * one jmDNS instance per chosen address, kept across sign-ins until the endpoint closes; each sign-in registers a
 * service instance and a listener on them. {@link #start} on its own opens instances owned and closed by the returned
 * session.
 *
 * <pre>{@code
 * MdnsDiscovery.onLoopback()                 // tests and demos on one machine: 127.0.0.1 only
 * MdnsDiscovery.onInterfaces("en0", "eth0")  // exactly these interfaces
 * MdnsDiscovery.defaultInterfaces()          // every interface that suits mDNS, see below
 * }</pre>
 *
 * <h2>What is announced</h2>
 * The service port is the announced transport port. The instance name is the classifier of the endpoint's name, the
 * start of its authority and a random tag, at most 63 bytes, so that several endpoints of one identity never clash
 * even on one interface. The TXT record holds {@code v} (protocol version {@value Announcement#PROTOCOL_VERSION}),
 * {@code pn} (the {@link io.peercollab.identity.PeerName}) and {@code nn} (the nickname). An announcement that lacks
 * one of them, speaks another version, carries an unreadable name, a nickname over 63 characters, port 0, a key twice
 * or bytes that are not UTF-8 is ignored and reported on {@link DiscoverySession#diagnostics()}.
 *
 * <h2>Timings (jmDNS 3.6.1, loopback, measured by {@code MdnsTimingTest} on a 2-core machine)</h2>
 * jmDNS's own schedule makes a fresh instance probe its host name 1 s apart and announce 1 s after probing (4 s
 * before anything is visible), and say goodbye 1 s apart. The instances this class opens use RFC 6762's pace instead
 * ({@code QuickStarter}: probes 250 ms apart, the first announcement right after them, goodbyes 250 ms apart).
 * <ul>
 * <li>A started endpoint becomes visible to its neighbours about 0.65 s after {@code start} (median of 9 runs
 * 659 ms, range 531-744 ms; 645 ms for the first session of the JVM), whether its jmDNS instance is fresh or, on a
 * {@link #host() host}, kept from an earlier sign-in.</li>
 * <li>A {@link DiscoverySession#updateNickname nickname change} shows as {@code UPDATED} about 0.55 s later.</li>
 * <li>A closed endpoint says goodbye; its neighbours list it as {@code REMOVED} about 1.8 s after {@code close}
 * starts (median 1844 ms, range 1741-1950 ms): a goodbye makes the record expire 1 s after it arrives, and the
 * session sweeps expired records out of jmDNS's cache every 500 ms rather than wait for jmDNS's own 10 s record
 * reaper (with which removal takes 4-12 s).</li>
 * <li>A vanished endpoint (crashed, unplugged) sends no goodbye. Through mDNS alone it stays listed until its records
 * expire: at worst their TTL after its last announcement, plus one sweep (measured: 5.0-5.4 s with a 5 s TTL). jmDNS
 * announces with a TTL of 3600 s (system property {@code net.dns.ttl}) and renews it at half-life, so a vanished
 * jmDNS peer lingers 30 to 60 minutes. mDNS removal is a hint; liveness comes from the peer's sign-out notice and
 * from the transport (see {@code PeerCollaboration.peersNearMe()}).</li>
 * </ul>
 *
 * <h2>Interfaces</h2>
 * jmDNS is bound to an address, one instance per address, and multicasts only on that address's interface.
 * {@link #defaultInterfaces()} picks, in the order the operating system lists them, every interface that is up,
 * multicast-capable, not loopback, not virtual (a sub-interface), not point-to-point, and whose name does not start,
 * ignoring case, with {@code docker}, {@code veth}, {@code br-}, {@code virbr}, {@code tun}, {@code tap}, {@code wg},
 * {@code utun}, {@code zt}, {@code vmnet} or {@code vboxnet} (containers, VPNs and hypervisors). From each it takes
 * one address: its first IPv4 address; an interface without IPv4 gives its first link-local IPv6 address, or its
 * first IPv6 address if it has no link-local one.
 */
public final class MdnsDiscovery implements Discovery {

	/** The DNS-SD service type PeerCollab endpoints announce. */
	public static final String DEFAULT_SERVICE_TYPE = "_peercollab._tcp.local.";

	/** Name prefixes of interfaces that containers, VPNs and hypervisors create; lower case. */
	static final List<String> VIRTUAL_NAME_PREFIXES = List.of("docker", "veth", "br-", "virbr", "tun", "tap", "wg",
			"utun", "zt", "vmnet", "vboxnet");

	private enum Mode {
		LOOPBACK, INTERFACES, ADDRESSES, DEFAULT
	}

	private final Mode mode;
	private final List<String> interfaceNames;
	private final List<InetAddress> addresses;
	private final String serviceType;

	private MdnsDiscovery(Mode mode, List<String> interfaceNames, List<InetAddress> addresses, String serviceType) {
		this.mode = mode;
		this.interfaceNames = interfaceNames;
		this.addresses = addresses;
		this.serviceType = serviceType;
	}

	/**
	 * @return discovery on {@code 127.0.0.1} only: endpoints of this machine find each other, across processes, and
	 * no packet leaves the machine
	 */
	public static MdnsDiscovery onLoopback() {
		return new MdnsDiscovery(Mode.LOOPBACK, List.of(), List.of(), DEFAULT_SERVICE_TYPE);
	}

	/**
	 * @param names interface names as the operating system spells them ({@code "eth0"}, {@code "en0"}); each gives
	 * one address, chosen as for {@link #defaultInterfaces()}
	 * @return discovery on exactly these interfaces; {@link #start} fails if one is missing, down or has no address
	 * @throws IllegalArgumentException if no name is given or a name is blank
	 */
	public static MdnsDiscovery onInterfaces(String... names) {
		Objects.requireNonNull(names, "names");
		if (names.length == 0) {
			throw new IllegalArgumentException("names must name at least one interface");
		}
		for (String name : names) {
			if (name == null || name.isBlank()) {
				throw new IllegalArgumentException("names must not contain a blank or null name");
			}
		}
		return new MdnsDiscovery(Mode.INTERFACES, List.of(names), List.of(), DEFAULT_SERVICE_TYPE);
	}

	/**
	 * @param addresses local addresses to bind jmDNS to, one instance each
	 * @return discovery on exactly these addresses; {@link #start} fails if one cannot be bound
	 * @throws IllegalArgumentException if no address is given
	 * @throws NullPointerException if an address is {@code null}
	 */
	public static MdnsDiscovery onAddresses(InetAddress... addresses) {
		Objects.requireNonNull(addresses, "addresses");
		if (addresses.length == 0) {
			throw new IllegalArgumentException("addresses must hold at least one address");
		}
		return new MdnsDiscovery(Mode.ADDRESSES, List.of(), List.of(addresses), DEFAULT_SERVICE_TYPE);
	}

	/**
	 * @return discovery on every interface that suits mDNS when {@link #start} runs, chosen by the rule in the class
	 * description; {@link #start} fails if there is none, and goes on without an interface that fails to open as long
	 * as another one opens
	 */
	public static MdnsDiscovery defaultInterfaces() {
		return new MdnsDiscovery(Mode.DEFAULT, List.of(), List.of(), DEFAULT_SERVICE_TYPE);
	}

	/**
	 * Announces and browses another service type: tests use a type of their own so that they never see each other.
	 *
	 * @param type a DNS-SD service type such as {@code _peercollab-test._tcp.local.}
	 * @return a copy of this configuration with that type
	 * @throws IllegalArgumentException if the type does not look like {@code _name._tcp.local.} or
	 * {@code _name._udp.local.}
	 */
	public MdnsDiscovery serviceType(String type) {
		Objects.requireNonNull(type, "type");
		String lower = type.toLowerCase(Locale.ROOT);
		if (!lower.startsWith("_") || !(lower.endsWith("._tcp.local.") || lower.endsWith("._udp.local."))
				|| lower.length() <= "_._tcp.local.".length()) {
			throw new IllegalArgumentException(
					"type must look like '_name._tcp.local.' or '_name._udp.local.', was '" + type + "'");
		}
		return new MdnsDiscovery(mode, interfaceNames, addresses, type);
	}

	/** @return the DNS-SD service type announced and browsed */
	public String serviceType() {
		return serviceType;
	}

	/**
	 * Chooses the interfaces, opens one jmDNS instance per chosen address, registers the announcement on each and
	 * starts browsing; closing the session closes the instances. An endpoint signs in through its {@link #host()}
	 * instead, which keeps the instances across its sign-ins. All of it runs on {@link Schedulers#boundedElastic()},
	 * never on the caller's thread.
	 *
	 * @param self what to announce
	 * @return the session once the announcement is registered (neighbours see it about 1 s after {@code start});
	 * fails with {@link PeerCollabException} if no interface suits, a named interface is missing or jmDNS cannot bind
	 * @throws io.peercollab.PayloadTooLargeException if the name or nickname does not fit a TXT string of 255 bytes
	 * of UTF-8
	 */
	@Override
	public Mono<DiscoverySession> start(Announcement self) {
		Objects.requireNonNull(self, "self");
		AnnouncementCodec.encode(self);
		return newHost().start(self, true);
	}

	/**
	 * {@inheritDoc}
	 *
	 * <p>Here: the first {@code start} chooses the interfaces and opens one jmDNS instance per chosen address; they
	 * stay open, announcing the host name, until the host closes. A session registers its service instance and a
	 * listener on them and withdraws both when it closes, so a sign-in after the first is visible to neighbours
	 * about 1 s after {@code start}, as a new service on an open jmDNS instance is; the first takes about as long,
	 * because the host name is probed at the same 250 ms pace.
	 */
	@Override
	public DiscoveryHost host() {
		return newHost();
	}

	private MdnsHost newHost() {
		return new MdnsHost(this::bindings, mode == Mode.DEFAULT, serviceType, toString());
	}

	private List<MdnsSession.Binding> bindings() throws IOException {
		List<InetAddress> chosen;
		switch (mode) {
			case LOOPBACK -> chosen = List.of(InetAddress.getByName("127.0.0.1"));
			case ADDRESSES -> chosen = addresses;
			case INTERFACES -> {
				chosen = new ArrayList<>();
				for (String name : interfaceNames) {
					NetworkInterface ni = NetworkInterface.getByName(name);
					if (ni == null) {
						throw new PeerCollabException("No network interface is named '" + name + "' on this machine; "
								+ "it has " + describeAll());
					}
					InterfaceInfo info = InterfaceInfo.of(ni);
					if (!info.up()) {
						throw new PeerCollabException("Network interface '" + name + "' is down");
					}
					chosen.add(preferredAddress(info).orElseThrow(() -> new PeerCollabException(
							"Network interface '" + name + "' has no address to bind mDNS to")));
				}
			}
			case DEFAULT -> {
				List<InterfaceInfo> all = new ArrayList<>();
				for (NetworkInterface ni : Collections.list(NetworkInterface.getNetworkInterfaces())) {
					try {
						all.add(InterfaceInfo.of(ni));
					}
					catch (SocketException e) {
						// An interface that vanishes while we look is simply not chosen.
					}
				}
				chosen = choose(all);
				if (chosen.isEmpty()) {
					throw new io.peercollab.NoConnectivityException("No network interface suits mDNS (up, multicast-capable, not "
							+ "loopback, not virtual or a VPN); this machine has " + describeAll()
							+ ". Name one with MdnsDiscovery.onInterfaces(...) or use onLoopback()");
				}
			}
			default -> throw new IllegalStateException("unknown mode " + mode);
		}
		List<MdnsSession.Binding> bindings = new ArrayList<>(chosen.size());
		for (InetAddress address : chosen) {
			NetworkInterface ni = null;
			try {
				ni = NetworkInterface.getByInetAddress(address);
			}
			catch (SocketException e) {
				// Without an interface the endpoint is labelled with its address; nothing else depends on it.
			}
			bindings.add(new MdnsSession.Binding(address, ni));
		}
		return bindings;
	}

	private static String describeAll() {
		try {
			List<String> names = new ArrayList<>();
			for (NetworkInterface ni : Collections.list(NetworkInterface.getNetworkInterfaces())) {
				names.add(ni.getName());
			}
			return names.isEmpty() ? "no interface" : "interfaces " + String.join(", ", names);
		}
		catch (SocketException e) {
			return "interfaces that could not be listed (" + e.getMessage() + ")";
		}
	}

	/**
	 * A network interface as the interface choice sees it, so that the choice is a pure function of a list of these.
	 *
	 * @param name the operating system's name
	 * @param up whether it is up
	 * @param loopback whether it is a loopback interface
	 * @param multicast whether it supports multicast
	 * @param virtual whether it is a sub-interface
	 * @param pointToPoint whether it is a point-to-point link (typical of VPNs)
	 * @param addresses its addresses, in the operating system's order
	 */
	record InterfaceInfo(String name, boolean up, boolean loopback, boolean multicast, boolean virtual,
			boolean pointToPoint, List<InetAddress> addresses) {

		InterfaceInfo {
			Objects.requireNonNull(name, "name");
			addresses = List.copyOf(addresses);
		}

		static InterfaceInfo of(NetworkInterface ni) throws SocketException {
			return new InterfaceInfo(ni.getName(), ni.isUp(), ni.isLoopback(), ni.supportsMulticast(), ni.isVirtual(),
					ni.isPointToPoint(), Collections.list(ni.getInetAddresses()));
		}
	}

	/**
	 * The default interface choice, as a pure function: the class description states the rule.
	 *
	 * @param interfaces every interface of the machine, in the operating system's order
	 * @return one address per suitable interface, in the same order
	 */
	static List<InetAddress> choose(List<InterfaceInfo> interfaces) {
		List<InetAddress> chosen = new ArrayList<>();
		for (InterfaceInfo info : interfaces) {
			if (suitable(info)) {
				preferredAddress(info).ifPresent(chosen::add);
			}
		}
		return List.copyOf(chosen);
	}

	/** @return whether the interface may carry mDNS by default */
	static boolean suitable(InterfaceInfo info) {
		return info.up() && info.multicast() && !info.loopback() && !info.virtual() && !info.pointToPoint()
				&& !looksVirtual(info.name());
	}

	/** @return whether the name is one containers, VPNs or hypervisors give their interfaces */
	static boolean looksVirtual(String name) {
		String lower = name.toLowerCase(Locale.ROOT);
		for (String prefix : VIRTUAL_NAME_PREFIXES) {
			if (lower.startsWith(prefix)) {
				return true;
			}
		}
		return false;
	}

	/**
	 * @return the address to bind to on this interface: its first IPv4 address; else its first link-local IPv6
	 * address; else its first other IPv6 address. Loopback, wildcard and multicast addresses never qualify.
	 */
	static Optional<InetAddress> preferredAddress(InterfaceInfo info) {
		InetAddress firstV6 = null;
		for (InetAddress address : info.addresses()) {
			if (address.isAnyLocalAddress() || address.isMulticastAddress()
					|| (address.isLoopbackAddress() && !info.loopback())) {
				continue;
			}
			if (address instanceof Inet4Address) {
				return Optional.of(address);
			}
			if (address instanceof Inet6Address v6) {
				if (v6.isLinkLocalAddress()) {
					// Keep looking: an IPv4 address further down the list still wins.
					if (firstV6 == null || !firstV6.isLinkLocalAddress()) {
						firstV6 = v6;
					}
				}
				else if (firstV6 == null) {
					firstV6 = v6;
				}
			}
		}
		return Optional.ofNullable(firstV6);
	}

	@Override
	public String toString() {
		String where = switch (mode) {
			case LOOPBACK -> "onLoopback";
			case INTERFACES -> "onInterfaces" + interfaceNames;
			case ADDRESSES -> "onAddresses" + addresses;
			case DEFAULT -> "defaultInterfaces";
		};
		return "MdnsDiscovery[" + where + ", " + serviceType + "]";
	}
}
