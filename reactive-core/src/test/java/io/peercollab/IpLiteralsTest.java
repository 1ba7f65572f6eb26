// SPDX-License-Identifier: Apache-2.0
package io.peercollab;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.Random;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * One reader and writer of IP literals: strict, never a lookup, and what it writes it reads back.
 */
class IpLiteralsTest {

	@ParameterizedTest
	@ValueSource(strings = { "192.0.2.1", "0.0.0.0", "255.255.255.255", "10.0.0.9", "127.0.0.1" })
	void anIpv4LiteralIsReadToItsFourBytes(String literal) throws Exception {
		InetAddress a = IpLiterals.parseAddress(literal);

		assertThat(a).isInstanceOf(Inet4Address.class);
		// The JDK reads a valid dotted quad without a lookup too: it is the oracle for the bytes.
		assertThat(a.getAddress()).isEqualTo(InetAddress.getByName(literal).getAddress());
		assertThat(IpLiterals.toString(a)).isEqualTo(literal);
	}

	@ParameterizedTest
	@CsvSource({
			"2001:db8::1, 2001:db8::1",
			"2001:0DB8:0000:0000:0000:0000:0000:0001, 2001:db8::1",
			"::, ::",
			"::1, ::1",
			"1::, 1::",
			"1:2:3:4:5:6:7::, 1:2:3:4:5:6:7:0",
			"::2:3:4:5:6:7:8, 0:2:3:4:5:6:7:8",
			"1:2:3:4:5:6:7:8, 1:2:3:4:5:6:7:8",
			"2001:db8:0:1:1:1:1:1, 2001:db8:0:1:1:1:1:1",
			"2001:0:0:1:0:0:0:1, 2001:0:0:1::1",
			"2001:db8:0:0:1:0:0:1, 2001:db8::1:0:0:1",
			"64:ff9b::192.0.2.1, 64:ff9b::c000:201",
			"1:2:3:4:5:6:1.2.3.4, 1:2:3:4:5:6:102:304",
			"fe80::1%2, fe80::1%2" })
	void anIpv6LiteralIsReadAsRfc4291AndWrittenAsRfc5952(String literal, String canonical) throws Exception {
		InetAddress a = IpLiterals.parseAddress(literal);

		assertThat(a).isInstanceOf(Inet6Address.class);
		assertThat(a.getAddress()).isEqualTo(InetAddress.getByName(literal.replaceAll("%.*", "")).getAddress());
		assertThat(IpLiterals.toString(a)).isEqualTo(canonical);
		assertThat(IpLiterals.parseAddress(canonical)).isEqualTo(a);
	}

	@Test
	void aZoneIsTheNumericScopeIdAndSurvivesTheRoundTrip() {
		Inet6Address scoped = (Inet6Address) IpLiterals.parseAddress("fe80::1:2%7");

		assertThat(scoped.getScopeId()).isEqualTo(7);
		assertThat(IpLiterals.toString(scoped)).isEqualTo("fe80::1:2%7");
		assertThat(IpLiterals.toString(scoped.getAddress())).as("the bytes alone carry no zone").isEqualTo("fe80::1:2");
		InetSocketAddress socket = IpLiterals.parseSocketAddress("[fe80::1:2%7]:80");
		assertThat(((Inet6Address) socket.getAddress()).getScopeId()).isEqualTo(7);
		assertThat(IpLiterals.toString(socket)).isEqualTo("[fe80::1:2%7]:80");
	}

	@Test
	void anIpv4MappedLiteralIsTheIpv4AddressAsTheJdkMakesIt() {
		assertThat(IpLiterals.parseAddress("::ffff:192.0.2.7")).isInstanceOf(Inet4Address.class)
				.extracting(IpLiterals::toString).isEqualTo("192.0.2.7");
	}

	@ParameterizedTest
	@ValueSource(strings = { "example.com", "localhost", "peer.local", "1.2.3", "1.2.3.4.5", "256.1.1.1", "01.2.3.4",
			"1.2.3.04", "0x7f.0.0.1", "2130706433", "127.1", "1.2.3.4.", ".1.2.3.4", "[::1]", "[192.0.2.1]",
			"fe80::1%eth0", "fe80::1%0", "fe80::1%", "fe80::1%01", "fe80::1%-1", "fe80::1%99999999999", "1.2.3.4%2",
			"1:2:3:4:5:6:7:8:9", ":::", "1::2::3", "1.2.3.4::", "::1.2.3", "12345::1", "g::1", ":1", "1:", "1:2:3:4:5:6:7",
			"1:2:3:4:5:6:7:8::", "::1:2:3:4:5:6:7:8", "", " ", " 192.0.2.1", "192.0.2.1 ", "١٢٧.0.0.1", "::ffff:256.1.1.1",
			"1:2:3:4:5:6:7:1.2.3.4", "1.2.3.4:1::", "0000:0000:0000:0000:0000:0000:0000:0000:0", "192.0.2.1:80" })
	void whatIsNotALiteralIsRefusedWithoutALookup(String text) {
		assertThatThrownBy(() -> IpLiterals.parseAddress(text)).isInstanceOf(IllegalArgumentException.class)
				.hasMessageContaining("'" + MessageText.quote(text) + "'");
	}

	@Test
	void aHostNameIsRefusedEvenWhenItWouldResolve() {
		assertThatThrownBy(() -> IpLiterals.parseAddress("localhost")).isInstanceOf(IllegalArgumentException.class)
				.hasMessageContaining("names are never looked up");
		assertThatThrownBy(() -> IpLiterals.parseSocketAddress("localhost:80"))
				.isInstanceOf(IllegalArgumentException.class).hasMessageContaining("not an IP address literal");
	}

	@Test
	void aSocketAddressIsALiteralAndAPortWithBracketsAroundIpv6() {
		assertThat(IpLiterals.parseSocketAddress("192.0.2.1:7000")).isEqualTo(new InetSocketAddress(
				IpLiterals.parseAddress("192.0.2.1"), 7000));
		assertThat(IpLiterals.parseSocketAddress("[2001:db8::1]:7000")).isEqualTo(new InetSocketAddress(
				IpLiterals.parseAddress("2001:db8::1"), 7000));
		assertThat(IpLiterals.parseSocketAddress("192.0.2.1:1").getPort()).isEqualTo(1);
		assertThat(IpLiterals.parseSocketAddress("[::1]:65535").getPort()).isEqualTo(65_535);
		assertThat(IpLiterals.parseSocketAddress("[::1]:80").isUnresolved()).isFalse();

		assertThatThrownBy(() -> IpLiterals.parseSocketAddress("2001:db8::1:80"))
				.isInstanceOf(IllegalArgumentException.class).hasMessageContaining("[2001:db8::1]:7000");
		assertThatThrownBy(() -> IpLiterals.parseSocketAddress("[192.0.2.1]:80"))
				.isInstanceOf(IllegalArgumentException.class).hasMessageContaining("brackets");
		assertThatThrownBy(() -> IpLiterals.parseSocketAddress("[::1]")).isInstanceOf(IllegalArgumentException.class)
				.hasMessageContaining("followed by ':' and a port");
		assertThatThrownBy(() -> IpLiterals.parseSocketAddress("192.0.2.1"))
				.isInstanceOf(IllegalArgumentException.class).hasMessageContaining("has no port");
	}

	@ParameterizedTest
	@ValueSource(strings = { "192.0.2.1:", "192.0.2.1:0", "192.0.2.1:65536", "192.0.2.1:080", "192.0.2.1:+80",
			"192.0.2.1:-1", "192.0.2.1:8 0", "192.0.2.1: 80", "192.0.2.1:80 ", "192.0.2.1:0x50", "192.0.2.1:１２",
			"192.0.2.1:99999999999", "[::1]:", "[::1]:0", "[::1]::80", "[::1]x80" })
	void aPortIsANumberFromOneTo65535WithoutSignOrLeadingZeros(String text) {
		assertThatThrownBy(() -> IpLiterals.parseSocketAddress(text)).isInstanceOf(IllegalArgumentException.class)
				.hasMessageContaining(MessageText.quote(text));
	}

	@Test
	void hostAndPortTakesALiteralOrADnsNameAndLooksNothingUp() {
		InetSocketAddress router = IpLiterals.parseHostAndPort("router.bittorrent.com:6881");
		assertThat(router.isUnresolved()).isTrue();
		assertThat(router.getHostString()).isEqualTo("router.bittorrent.com");
		assertThat(router.getPort()).isEqualTo(6881);
		assertThat(IpLiterals.parseHostAndPort("localhost:80").isUnresolved()).isTrue();
		assertThat(IpLiterals.parseHostAndPort("192.0.2.1:6881"))
				.isEqualTo(IpLiterals.parseSocketAddress("192.0.2.1:6881"));
		assertThat(IpLiterals.parseHostAndPort("[2001:db8::1]:6881"))
				.isEqualTo(IpLiterals.parseSocketAddress("[2001:db8::1]:6881"));

		for (String bad : new String[] { "127.1:80", "a.b.123:80", "-a.example:80", "a-.example:80", "a..b:80",
				"exa mple:80", "bücher.de:80", "a_b.example:80", "example.com.:80", ":80", "x".repeat(64) + ".com:80",
				"a.".repeat(127) + "b:80", "2001:db8::1:80", "example.com", "example.com:0" }) {
			assertThatThrownBy(() -> IpLiterals.parseHostAndPort(bad)).as(bad)
					.isInstanceOf(IllegalArgumentException.class);
		}
	}

	@Test
	void aSocketAddressIsWrittenAsItIsRead() throws Exception {
		assertThat(IpLiterals.toString(new InetSocketAddress(IpLiterals.parseAddress("192.0.2.1"), 7000)))
				.isEqualTo("192.0.2.1:7000");
		assertThat(IpLiterals.toString(new InetSocketAddress(IpLiterals.parseAddress("2001:db8::1"), 7000)))
				.isEqualTo("[2001:db8::1]:7000");
		assertThat(IpLiterals.toString(InetSocketAddress.createUnresolved("example.org", 7000)))
				.isEqualTo("example.org:7000");
		// A host name the address carries is not written: only the literal is what was proven reachable.
		InetAddress named = InetAddress.getByAddress("laptop.local", new byte[] { 10, 0, 0, 9 });
		assertThat(IpLiterals.toString(new InetSocketAddress(named, 9))).isEqualTo("10.0.0.9:9");
		assertThat(PeerEndPoint.of(new InetSocketAddress(IpLiterals.parseAddress("::1"), 80)).name())
				.isEqualTo("[::1]:80");
	}

	@Test
	void everyAddressWrittenIsReadBackEqual() throws Exception {
		Random random = new Random(13);
		for (int round = 0; round < 2_000; round++) {
			byte[] bytes = new byte[round % 3 == 0 ? 4 : 16];
			random.nextBytes(bytes);
			for (int group = 0; bytes.length == 16 && group < 8; group++) {
				if (random.nextInt(3) > 0) { // runs of zeros of every length and place
					bytes[2 * group] = 0;
					bytes[2 * group + 1] = 0;
				}
			}
			int scope = bytes.length == 16 && random.nextBoolean() ? 1 + random.nextInt(Integer.MAX_VALUE) : -1;
			InetAddress address = scope < 0 ? InetAddress.getByAddress(bytes)
					: Inet6Address.getByAddress(null, bytes, scope);
			int port = 1 + random.nextInt(65_535);

			String text = IpLiterals.toString(address);
			InetAddress back = IpLiterals.parseAddress(text);
			assertThat(back).as(text).isEqualTo(address);
			assertThat(back instanceof Inet6Address v6 ? v6.getScopeId() : 0).as(text).isEqualTo(Math.max(scope, 0));
			assertThat(text).as(text).doesNotContain(":::").doesNotContainPattern("(^|:)0[0-9a-f]");
			InetSocketAddress socket = new InetSocketAddress(address, port);
			assertThat(IpLiterals.parseSocketAddress(IpLiterals.toString(socket))).as(text).isEqualTo(socket);
		}
	}

	@Test
	void argumentsAreChecked() {
		assertThatThrownBy(() -> IpLiterals.parseAddress(null)).isInstanceOf(NullPointerException.class);
		assertThatThrownBy(() -> IpLiterals.parseSocketAddress(null)).isInstanceOf(NullPointerException.class);
		assertThatThrownBy(() -> IpLiterals.parseHostAndPort(null)).isInstanceOf(NullPointerException.class);
		assertThatThrownBy(() -> IpLiterals.toString((InetAddress) null)).isInstanceOf(NullPointerException.class);
		assertThatThrownBy(() -> IpLiterals.toString(new byte[5])).isInstanceOf(IllegalArgumentException.class)
				.hasMessageContaining("4 or 16 bytes, was 5");
		assertThatThrownBy(() -> IpLiterals.parseAddress("1".repeat(100_000))).message().hasSizeLessThan(300);
	}
}
