// SPDX-License-Identifier: Apache-2.0
package io.peercollab;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.Objects;

/**
 * Reads and writes IP address literals, with or without a port, strictly and without ever asking a name service.
 * PeerCollab writes every address it prints, stores or carries on a card through this class, and reads every address
 * it is given as text through it.
 *
 * <p>What is accepted:
 * <ul>
 *   <li>IPv4: four decimal numbers from 0 to 255, without leading zeros ({@code 192.0.2.1}). The forms
 *   {@link InetAddress#getByName} also takes ({@code 127.1}, {@code 0x7f.0.0.1}, {@code 010.0.0.1},
 *   {@code 2130706433}) are refused: they mean different addresses to different parsers.</li>
 *   <li>IPv6: RFC 4291 text, in any case, with at most one {@code ::} and an optional trailing dotted quad
 *   ({@code 2001:db8::1}, {@code ::ffff:192.0.2.1}), and an optional zone after {@code %} written as the numeric scope
 *   id ({@code fe80::1%2}). An interface name as zone ({@code fe80::1%eth0}) is refused: it would have to be looked up
 *   on this machine, and it names nothing on another.</li>
 *   <li>With a port: {@code 192.0.2.1:7000} and {@code [2001:db8::1]:7000}; the port is a decimal number from 1 to
 *   65535 without sign or leading zeros. Brackets go around an IPv6 address exactly when a port follows it, as in a
 *   URL: {@code 2001:db8::1:7000} and {@code [192.0.2.1]:7000} are refused.</li>
 * </ul>
 * No white space is accepted anywhere. Every address is built from the bytes parsed here
 * ({@link InetAddress#getByAddress(byte[])}), so a host name never reaches a resolver; an IPv4-mapped IPv6 literal
 * gives the {@link Inet4Address} the JDK makes of it.
 *
 * <p>What is written: IPv4 as a dotted quad, IPv6 in the canonical form of RFC 5952 (lower case, no leading zeros,
 * the longest run of zero groups as {@code ::}) followed by {@code %} and the numeric scope id when the address has
 * one, and {@code [address]:port} for an IPv6 socket address. What this class writes, it reads back to an equal
 * address.
 *
 * <pre>{@code
 * InetSocketAddress a = IpLiterals.parseSocketAddress("[2001:db8::1]:7000");
 * String text = IpLiterals.toString(a); // "[2001:db8::1]:7000"
 * }</pre>
 */
public final class IpLiterals {

	/** The longest IPv6 address text without zone: eight groups of four with the last two as a dotted quad. */
	private static final int MAX_IPV6_LENGTH = 45;

	private IpLiterals() {
	}

	/**
	 * Parses an IPv4 or IPv6 literal, without brackets or port.
	 *
	 * @param literal {@code 192.0.2.1}, {@code 2001:db8::1} or {@code fe80::1%2}
	 * @return the address, with no host name and no lookup made
	 * @throws IllegalArgumentException if the text is not a literal as the class describes; the message quotes it and
	 * says what is wrong
	 * @throws NullPointerException if {@code literal} is {@code null}
	 */
	public static InetAddress parseAddress(String literal) {
		Objects.requireNonNull(literal, "literal");
		if (literal.startsWith("[")) {
			throw new IllegalArgumentException("'" + MessageText.quote(literal) + "' is not an IP address literal: "
					+ "brackets go around an IPv6 address only when a port follows, [2001:db8::1]:7000");
		}
		return address(literal, literal);
	}

	/**
	 * Parses an IP literal followed by a port: {@code 192.0.2.1:7000}, {@code [2001:db8::1]:7000} or
	 * {@code [fe80::1%2]:7000}.
	 *
	 * @return the resolved socket address, with no lookup made
	 * @throws IllegalArgumentException if the text is not such a literal or the port is not from 1 to 65535; the
	 * message quotes it and says what is wrong
	 * @throws NullPointerException if {@code text} is {@code null}
	 */
	public static InetSocketAddress parseSocketAddress(String text) {
		Objects.requireNonNull(text, "text");
		HostPort hp = split(text);
		return new InetSocketAddress(hp.bracketed ? v6(hp.host, text) : address(hp.host, text), hp.port);
	}

	/**
	 * Parses {@code HOST:PORT} where HOST is an IP literal, as {@link #parseSocketAddress(String)} reads it, or a DNS
	 * name ({@code router.bittorrent.com:6881}): labels of ASCII letters, digits and inner hyphens, at most 63
	 * characters each and 253 in all, the last not all digits. Nothing is looked up here.
	 *
	 * @return a resolved socket address for a literal; an {@linkplain InetSocketAddress#isUnresolved() unresolved} one
	 * for a name, for whoever dials it to resolve when it does
	 * @throws IllegalArgumentException if the host is neither, or the port is not from 1 to 65535
	 * @throws NullPointerException if {@code text} is {@code null}
	 */
	public static InetSocketAddress parseHostAndPort(String text) {
		Objects.requireNonNull(text, "text");
		HostPort hp = split(text);
		if (hp.bracketed || hp.host.indexOf(':') >= 0 || looksNumeric(hp.host)) {
			return new InetSocketAddress(hp.bracketed ? v6(hp.host, text) : address(hp.host, text), hp.port);
		}
		String problem = hostNameProblem(hp.host);
		if (problem != null) {
			throw new IllegalArgumentException(
					"'" + MessageText.quote(text) + "' is not HOST:PORT: the host " + problem);
		}
		return InetSocketAddress.createUnresolved(hp.host, hp.port);
	}

	/**
	 * Writes an address as a literal: a dotted quad, or RFC 5952 IPv6 text followed by {@code %} and the numeric scope
	 * id when it has one. A host name the address carries is not written.
	 *
	 * @throws NullPointerException if {@code address} is {@code null}
	 */
	public static String toString(InetAddress address) {
		Objects.requireNonNull(address, "address");
		String text = toString(address.getAddress());
		if (address instanceof Inet6Address v6 && v6.getScopeId() != 0) {
			return text + '%' + v6.getScopeId();
		}
		return text;
	}

	/**
	 * Writes the raw bytes of an address, without zone: 4 bytes as a dotted quad, 16 as RFC 5952 IPv6 text.
	 *
	 * @throws IllegalArgumentException if there are not 4 or 16 bytes
	 * @throws NullPointerException if {@code address} is {@code null}
	 */
	public static String toString(byte[] address) {
		Objects.requireNonNull(address, "address");
		if (address.length == 4) {
			return (address[0] & 0xff) + "." + (address[1] & 0xff) + "." + (address[2] & 0xff) + "."
					+ (address[3] & 0xff);
		}
		if (address.length != 16) {
			throw new IllegalArgumentException("an IP address has 4 or 16 bytes, was " + address.length);
		}
		return ipv6Text(address);
	}

	/**
	 * Writes a socket address: {@code 192.0.2.1:7000}, {@code [2001:db8::1]:7000}, or for an unresolved address its
	 * host name and port ({@code example.org:7000}).
	 *
	 * @throws NullPointerException if {@code address} is {@code null}
	 */
	public static String toString(InetSocketAddress address) {
		Objects.requireNonNull(address, "address");
		InetAddress ip = address.getAddress();
		String host = ip == null ? address.getHostString() : toString(ip);
		return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ':' + address.getPort();
	}

	// ----- reading

	private record HostPort(String host, boolean bracketed, int port) {
	}

	private static HostPort split(String text) {
		String host;
		String port;
		boolean bracketed = text.startsWith("[");
		if (bracketed) {
			int close = text.indexOf(']');
			if (close < 0 || close + 1 >= text.length() || text.charAt(close + 1) != ':') {
				throw new IllegalArgumentException("'" + MessageText.quote(text)
						+ "' is not [IPV6]:PORT: a bracketed address must be followed by ':' and a port");
			}
			host = text.substring(1, close);
			port = text.substring(close + 2);
		}
		else {
			int colon = text.indexOf(':');
			if (colon < 0) {
				throw new IllegalArgumentException("'" + MessageText.quote(text) + "' has no port: write HOST:PORT");
			}
			if (text.indexOf(':', colon + 1) >= 0) {
				throw new IllegalArgumentException("'" + MessageText.quote(text)
						+ "' is ambiguous: an IPv6 address with a port is written in brackets, [2001:db8::1]:7000");
			}
			host = text.substring(0, colon);
			port = text.substring(colon + 1);
		}
		return new HostPort(host, bracketed, port(port, text));
	}

	private static int port(String port, String text) {
		boolean digits = !port.isEmpty() && port.length() <= 5 && port.charAt(0) != '0';
		for (int i = 0; digits && i < port.length(); i++) {
			digits = port.charAt(i) >= '0' && port.charAt(i) <= '9';
		}
		int value = digits ? Integer.parseInt(port) : -1;
		if (value < 1 || value > 65_535) {
			throw new IllegalArgumentException("'" + MessageText.quote(text)
					+ "' has no valid port: a port is a number from 1 to 65535 without sign or leading zeros");
		}
		return value;
	}

	/** @return the IPv6 address between brackets; an IPv4 literal there is refused, as URLs refuse it */
	private static InetAddress v6(String host, String text) {
		if (host.indexOf(':') < 0) {
			throw new IllegalArgumentException("'" + MessageText.quote(text)
					+ "' puts brackets around what is not an IPv6 address; write IPv4 with a port as 192.0.2.1:7000");
		}
		return address(host, text);
	}

	private static InetAddress address(String literal, String text) {
		int percent = literal.indexOf('%');
		String bare = percent < 0 ? literal : literal.substring(0, percent);
		boolean v6 = bare.indexOf(':') >= 0;
		byte[] bytes = v6 ? ipv6(bare) : ipv4(bare);
		if (bytes == null) {
			throw new IllegalArgumentException("'" + MessageText.quote(text) + "' is not an IP address literal: "
					+ (v6 ? "IPv6 is written as in RFC 4291 (2001:db8::1)"
							: "IPv4 is four numbers from 0 to 255 without leading zeros (192.0.2.1); names are "
									+ "never looked up"));
		}
		try {
			if (percent < 0) {
				return InetAddress.getByAddress(bytes);
			}
			if (!v6) {
				throw new IllegalArgumentException("'" + MessageText.quote(text) + "' has a zone, which only an "
						+ "IPv6 address can have");
			}
			return Inet6Address.getByAddress(null, bytes, scopeId(literal.substring(percent + 1), text));
		}
		catch (UnknownHostException e) {
			throw new IllegalStateException("an address of 4 or 16 bytes was refused", e);
		}
	}

	private static int scopeId(String zone, String text) {
		boolean digits = !zone.isEmpty() && zone.length() <= 10 && zone.charAt(0) != '0';
		for (int i = 0; digits && i < zone.length(); i++) {
			digits = zone.charAt(i) >= '0' && zone.charAt(i) <= '9';
		}
		long value = digits ? Long.parseLong(zone) : -1;
		if (value < 1 || value > Integer.MAX_VALUE) {
			throw new IllegalArgumentException("'" + MessageText.quote(text) + "' has a zone that is not a scope id: "
					+ "write the number from 1 to " + Integer.MAX_VALUE + " (fe80::1%2), not an interface name");
		}
		return (int) value;
	}

	/** @return the 4 bytes of a dotted quad, or {@code null}; leading zeros are refused as ambiguous (octal) */
	private static byte[] ipv4(String text) {
		byte[] bytes = new byte[4];
		int part = 0;
		int start = 0;
		for (int i = 0; i <= text.length(); i++) {
			if (i < text.length() && text.charAt(i) != '.') {
				continue;
			}
			int length = i - start;
			if (part == 4 || length == 0 || length > 3 || (length > 1 && text.charAt(start) == '0')) {
				return null;
			}
			int value = 0;
			for (int j = start; j < i; j++) {
				char c = text.charAt(j);
				if (c < '0' || c > '9') {
					return null;
				}
				value = value * 10 + (c - '0');
			}
			if (value > 255) {
				return null;
			}
			bytes[part++] = (byte) value;
			start = i + 1;
		}
		return part == 4 ? bytes : null;
	}

	/** @return the 16 bytes of RFC 4291 text (with {@code ::} and an optional trailing dotted quad), or {@code null} */
	private static byte[] ipv6(String text) {
		if (text.length() > MAX_IPV6_LENGTH) {
			return null;
		}
		int gap = text.indexOf("::");
		if (gap >= 0 && text.indexOf("::", gap + 1) >= 0) {
			return null;
		}
		String head = gap >= 0 ? text.substring(0, gap) : text;
		String tail = gap >= 0 ? text.substring(gap + 2) : "";
		int[] headGroups = new int[8];
		int[] tailGroups = new int[8];
		// A dotted quad may only end the address: end the tail when there is a gap, else the head.
		int headCount = groups(head, headGroups, gap < 0);
		int tailCount = gap >= 0 ? groups(tail, tailGroups, true) : 0;
		if (headCount < 0 || tailCount < 0 || (gap >= 0 ? headCount + tailCount > 7 : headCount != 8)) {
			return null;
		}
		byte[] bytes = new byte[16];
		for (int i = 0; i < headCount; i++) {
			putGroup(bytes, i, headGroups[i]);
		}
		for (int i = 0; i < tailCount; i++) {
			putGroup(bytes, 8 - tailCount + i, tailGroups[i]);
		}
		return bytes;
	}

	/**
	 * Reads colon-separated hex groups into {@code out}. With {@code dottedQuadLast}, the last group may be a dotted
	 * quad, which counts as two groups.
	 *
	 * @return how many groups were read, or -1 if the text is not groups
	 */
	private static int groups(String text, int[] out, boolean dottedQuadLast) {
		if (text.isEmpty()) {
			return 0;
		}
		int count = 0;
		int start = 0;
		for (int i = 0; i <= text.length(); i++) {
			if (i < text.length() && text.charAt(i) != ':') {
				continue;
			}
			String group = text.substring(start, i);
			if (i == text.length() && dottedQuadLast && group.indexOf('.') >= 0) {
				byte[] v4 = ipv4(group);
				if (v4 == null || count > 6) {
					return -1;
				}
				out[count++] = ((v4[0] & 0xff) << 8) | (v4[1] & 0xff);
				out[count++] = ((v4[2] & 0xff) << 8) | (v4[3] & 0xff);
				return count;
			}
			int value = hexGroup(group);
			if (value < 0 || count == 8) {
				return -1;
			}
			out[count++] = value;
			start = i + 1;
		}
		return count;
	}

	private static int hexGroup(String group) {
		if (group.isEmpty() || group.length() > 4) {
			return -1;
		}
		int value = 0;
		for (int i = 0; i < group.length(); i++) {
			char c = group.charAt(i);
			int digit = c >= '0' && c <= '9' ? c - '0'
					: c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
			if (digit < 0) {
				return -1;
			}
			value = value * 16 + digit;
		}
		return value;
	}

	private static void putGroup(byte[] bytes, int group, int value) {
		bytes[2 * group] = (byte) (value >> 8);
		bytes[2 * group + 1] = (byte) value;
	}

	/** @return whether a host is meant as an IPv4 literal: its last label is all digits, as no DNS name's may be */
	private static boolean looksNumeric(String host) {
		int lastDot = host.lastIndexOf('.');
		String last = host.substring(lastDot + 1);
		return !last.isEmpty() && last.chars().allMatch(c -> c >= '0' && c <= '9');
	}

	/** @return what is wrong with a DNS name, or {@code null} if nothing is */
	private static String hostNameProblem(String host) {
		if (host.isEmpty() || host.length() > 253) {
			return "must be 1 to 253 characters, was " + host.length();
		}
		int start = 0;
		for (int i = 0; i <= host.length(); i++) {
			if (i < host.length() && host.charAt(i) != '.') {
				char c = host.charAt(i);
				if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-')) {
					return "may hold only ASCII letters, digits, '-' and '.', found '" + MessageText.quote(
							String.valueOf(c)) + "' at " + i;
				}
				continue;
			}
			int length = i - start;
			if (length == 0 || length > 63 || host.charAt(start) == '-' || host.charAt(i - 1) == '-') {
				return "has a label that is empty, longer than 63 characters, or starts or ends with '-'";
			}
			start = i + 1;
		}
		return null;
	}

	// ----- writing

	/** @return the RFC 5952 text of 16 bytes: lower case, no leading zeros, the longest zero run as "::" */
	private static String ipv6Text(byte[] bytes) {
		int[] groups = new int[8];
		for (int i = 0; i < 8; i++) {
			groups[i] = ((bytes[2 * i] & 0xff) << 8) | (bytes[2 * i + 1] & 0xff);
		}
		int bestStart = -1;
		int bestLength = 1; // a single zero group stays "0" (RFC 5952 4.2.2)
		for (int i = 0; i < 8; i++) {
			int length = 0;
			while (i + length < 8 && groups[i + length] == 0) {
				length++;
			}
			if (length > bestLength) {
				bestStart = i;
				bestLength = length;
			}
			i += length;
		}
		StringBuilder out = new StringBuilder(39);
		for (int i = 0; i < 8; i++) {
			if (i == bestStart) {
				out.append("::");
				i += bestLength - 1;
				continue;
			}
			if (out.length() > 0 && out.charAt(out.length() - 1) != ':') {
				out.append(':');
			}
			out.append(Integer.toHexString(groups[i]));
		}
		return out.toString();
	}
}
