// SPDX-License-Identifier: Apache-2.0
package io.peercollab.discovery;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import io.peercollab.discovery.MdnsDiscovery.InterfaceInfo;

/**
 * The default interface choice as a pure function over interface descriptions: no real interface is opened.
 */
class MdnsInterfaceChoiceTest {

	static final InetAddress V4 = address("192.168.1.20", 192, 168, 1, 20);
	static final InetAddress V4_OTHER = address("10.0.0.7", 10, 0, 0, 7);
	static final InetAddress V6_LINK_LOCAL = address("fe80::1", 0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1);
	static final InetAddress V6_GLOBAL = address("2001:db8::5", 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
			0, 5);
	static final InetAddress LOOPBACK = address("127.0.0.1", 127, 0, 0, 1);

	static InetAddress address(String host, int... bytes) {
		byte[] raw = new byte[bytes.length];
		for (int i = 0; i < bytes.length; i++) {
			raw[i] = (byte) bytes[i];
		}
		try {
			// getByAddress never looks anything up: a pure value.
			return InetAddress.getByAddress(host, raw);
		}
		catch (UnknownHostException e) {
			throw new AssertionError(e);
		}
	}

	/** A physical, up, multicast interface named so, with these addresses. */
	static InterfaceInfo plain(String name, InetAddress... addresses) {
		return new InterfaceInfo(name, true, false, true, false, false, List.of(addresses));
	}

	static Stream<Arguments> table() {
		return Stream.of(
				// description, interface, chosen address or null
				Arguments.of("wired interface", plain("eth0", V4), V4),
				Arguments.of("wifi on macOS", plain("en0", V6_LINK_LOCAL, V4), V4),
				Arguments.of("first IPv4 of several", plain("eth1", V4_OTHER, V4), V4_OTHER),
				Arguments.of("IPv6 only: link-local preferred", plain("eth2", V6_GLOBAL, V6_LINK_LOCAL), V6_LINK_LOCAL),
				Arguments.of("IPv6 only, global", plain("eth3", V6_GLOBAL), V6_GLOBAL),
				Arguments.of("no address", plain("eth4"), null),
				Arguments.of("down", new InterfaceInfo("eth5", false, false, true, false, false, List.of(V4)), null),
				Arguments.of("loopback", new InterfaceInfo("lo", true, true, true, false, false, List.of(LOOPBACK)),
						null),
				Arguments.of("no multicast", new InterfaceInfo("eth6", true, false, false, false, false, List.of(V4)),
						null),
				Arguments.of("virtual sub-interface",
						new InterfaceInfo("eth0:1", true, false, true, true, false, List.of(V4)), null),
				Arguments.of("point-to-point",
						new InterfaceInfo("ppp0", true, false, true, false, true, List.of(V4)), null),
				Arguments.of("docker bridge", plain("docker0", V4), null),
				Arguments.of("container pair", plain("veth1a2b3c", V4), null),
				Arguments.of("docker network bridge", plain("br-5f3a9c", V4), null),
				Arguments.of("libvirt bridge", plain("virbr0", V4), null),
				Arguments.of("tun VPN", plain("tun0", V4), null),
				Arguments.of("tap device", plain("tap0", V4), null),
				Arguments.of("WireGuard", plain("wg0", V4), null),
				Arguments.of("macOS VPN", plain("utun3", V4), null),
				Arguments.of("ZeroTier", plain("ztabcdef12", V4), null),
				Arguments.of("VMware", plain("vmnet8", V4), null),
				Arguments.of("VirtualBox", plain("vboxnet0", V4), null),
				Arguments.of("case does not hide a VPN", plain("WG1", V4), null),
				Arguments.of("a LAN bridge is not docker's", plain("br0", V4), V4),
				Arguments.of("wlan", plain("wlp3s0", V4), V4));
	}

	@ParameterizedTest(name = "{0}")
	@MethodSource("table")
	void eachInterfaceIsChosenByTheDocumentedRule(String description, InterfaceInfo info, InetAddress expected) {
		List<InetAddress> chosen = MdnsDiscovery.choose(List.of(info));

		if (expected == null) {
			assertThat(chosen).as(description).isEmpty();
		}
		else {
			assertThat(chosen).as(description).containsExactly(expected);
		}
	}

	@Test
	void everySuitableInterfaceGivesOneAddressInTheSystemsOrder() {
		List<InterfaceInfo> machine = new ArrayList<>();
		machine.add(new InterfaceInfo("lo", true, true, true, false, false, List.of(LOOPBACK)));
		machine.add(plain("wlan0", V4_OTHER, V6_LINK_LOCAL));
		machine.add(plain("docker0", address("172.17.0.1", 172, 17, 0, 1)));
		machine.add(plain("eth0", V6_LINK_LOCAL, V4));
		machine.add(plain("usb0", V6_LINK_LOCAL));

		assertThat(MdnsDiscovery.choose(machine)).containsExactly(V4_OTHER, V4, V6_LINK_LOCAL);
	}

	@Test
	void noInterfaceMeansNoAddress() {
		assertThat(MdnsDiscovery.choose(List.of())).isEmpty();
	}

	@Test
	void theVirtualPrefixesAreExactlyTheDocumentedOnes() {
		assertThat(MdnsDiscovery.VIRTUAL_NAME_PREFIXES).containsExactly("docker", "veth", "br-", "virbr", "tun",
				"tap", "wg", "utun", "zt", "vmnet", "vboxnet");
	}
}
