// SPDX-License-Identifier: Apache-2.0
package io.peercollab.internal.nat.mapping;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.Objects;

/**
 * PCP (RFC 6887) MAP requests and responses, byte for byte: the 24-byte common header (section 7.1, 7.2) and the
 * 36-byte MAP opcode body (section 11.1). Addresses travel as 16 bytes, IPv4 ones IPv4-mapped ({@code ::ffff:a.b.c.d}).
 * No options are sent; options in a response are skipped, within the length limit.
 */
final class PcpMessages {

	/** The PCP server's port (RFC 6887 section 19.1). */
	static final int SERVER_PORT = 5351;

	static final int VERSION = 2;

	static final int OPCODE_MAP = 1;

	/** The largest PCP message (RFC 6887 section 7). */
	static final int MAX_SIZE = 1100;

	static final int HEADER_SIZE = 24;

	static final int MAP_SIZE = 36;

	static final int NONCE_SIZE = 12;

	static final int PROTOCOL_TCP = 6;

	private static final String PROTOCOL = "PCP";

	private PcpMessages() {
	}

	/**
	 * A MAP response (RFC 6887 sections 7.2 and 11.1).
	 *
	 * @param resultCode 0 for success
	 * @param lifetime seconds the mapping lives (on error: how long the error is likely to last)
	 * @param epoch the server's epoch time in seconds
	 * @param nonce the mapping nonce, echoed
	 * @param protocol the IANA protocol number, echoed
	 * @param internalPort echoed
	 * @param externalPort the assigned external port
	 * @param externalAddress the assigned external address
	 */
	record MapResponse(int resultCode, long lifetime, long epoch, byte[] nonce, int protocol, int internalPort,
			int externalPort, InetAddress externalAddress) {
	}

	/**
	 * Encodes a MAP request.
	 *
	 * @param client this host's address as the gateway sees it (the source address of the request)
	 * @param lifetime requested lifetime in seconds; 0 deletes the mapping
	 * @param nonce 12 bytes, the same for every request about one mapping
	 * @param internalPort the port to forward to, 1 to 65535
	 * @param suggestedExternalPort 0 for no preference
	 * @param suggestedExternalAddress {@code null} for no preference (the IPv4 or IPv6 all-zeros address is sent, of
	 * the client's family)
	 */
	static byte[] mapRequest(InetAddress client, long lifetime, byte[] nonce, int internalPort,
			int suggestedExternalPort, InetAddress suggestedExternalAddress) {
		Objects.requireNonNull(client, "client");
		if (nonce.length != NONCE_SIZE) {
			throw new IllegalArgumentException("nonce must be 12 bytes, was " + nonce.length);
		}
		if (lifetime < 0 || lifetime > 0xFFFF_FFFFL) {
			throw new IllegalArgumentException("lifetime must be from 0 to 2^32-1 s, was " + lifetime);
		}
		checkPort("internalPort", internalPort, 1);
		checkPort("suggestedExternalPort", suggestedExternalPort, 0);
		ByteBuffer b = ByteBuffer.allocate(HEADER_SIZE + MAP_SIZE);
		b.put((byte) VERSION).put((byte) OPCODE_MAP).putShort((short) 0).putInt((int) lifetime);
		b.put(address16(client));
		b.put(nonce).put((byte) PROTOCOL_TCP).put(new byte[3]);
		b.putShort((short) internalPort).putShort((short) suggestedExternalPort);
		b.put(suggestedExternalAddress != null ? address16(suggestedExternalAddress)
				: client instanceof Inet4Address ? address16(any4()) : new byte[16]);
		return b.array();
	}

	/**
	 * Decodes a response to a MAP request.
	 *
	 * @return the response; {@code null} if the datagram is a response to some other opcode (not ours to read)
	 * @throws GatewayFormatException naming the field and the limit if it is malformed
	 * @throws GatewayRefusedException with code 1 (UNSUPP_VERSION) if it is a NAT-PMP server's answer (version 0):
	 * the gateway speaks NAT-PMP, not PCP (RFC 6887 section 9)
	 */
	static MapResponse decodeMapResponse(ByteBuffer datagram) {
		int length = datagram.remaining();
		if (length < 4) {
			throw new GatewayFormatException(PROTOCOL, "length", "at least 4 bytes, was " + length);
		}
		int version = datagram.get(datagram.position()) & 0xFF;
		if (version == 0) {
			throw new GatewayRefusedException(PROTOCOL, 1, "UNSUPP_VERSION (a NAT-PMP server answered)");
		}
		if (length > MAX_SIZE) {
			throw new GatewayFormatException(PROTOCOL, "length", "at most " + MAX_SIZE + " bytes, was " + length);
		}
		if (length < HEADER_SIZE || length % 4 != 0) {
			throw new GatewayFormatException(PROTOCOL, "length",
					"a multiple of 4 bytes, at least " + HEADER_SIZE + ", was " + length);
		}
		ByteBuffer b = datagram.slice();
		b.get(); // version
		int rOpcode = b.get() & 0xFF;
		if ((rOpcode & 0x80) == 0) {
			throw new GatewayFormatException(PROTOCOL, "R", "1 (a response), was 0 (a request)");
		}
		if ((rOpcode & 0x7F) != OPCODE_MAP) {
			return null;
		}
		b.get(); // reserved
		int result = b.get() & 0xFF;
		long lifetime = b.getInt() & 0xFFFF_FFFFL;
		long epoch = b.getInt() & 0xFFFF_FFFFL;
		b.position(HEADER_SIZE);
		if (version != VERSION) {
			// a server of another version answers UNSUPP_VERSION with its own version (RFC 6887 section 9)
			throw new GatewayRefusedException(PROTOCOL, result == 0 ? 1 : result,
					resultMeaning(result == 0 ? 1 : result) + " (version " + version + ")");
		}
		if (length < HEADER_SIZE + MAP_SIZE) {
			if (result != 0) {
				// an error response may come without the opcode body (RFC 6887 section 7.2: as much as was received)
				throw new GatewayRefusedException(PROTOCOL, result, resultMeaning(result));
			}
			throw new GatewayFormatException(PROTOCOL, "length", "a MAP response is at least "
					+ (HEADER_SIZE + MAP_SIZE) + " bytes, was " + length);
		}
		byte[] nonce = new byte[NONCE_SIZE];
		b.get(nonce);
		int protocol = b.get() & 0xFF;
		b.position(b.position() + 3);
		int internalPort = b.getShort() & 0xFFFF;
		int externalPort = b.getShort() & 0xFFFF;
		byte[] external = new byte[16];
		b.get(external);
		return new MapResponse(result, lifetime, epoch, nonce, protocol, internalPort, externalPort,
				fromAddress16(external));
	}

	/** @return the meaning of a PCP result code (RFC 6887 section 7.4) */
	static String resultMeaning(int code) {
		return switch (code) {
			case 0 -> "SUCCESS";
			case 1 -> "UNSUPP_VERSION";
			case 2 -> "NOT_AUTHORIZED";
			case 3 -> "MALFORMED_REQUEST";
			case 4 -> "UNSUPP_OPCODE";
			case 5 -> "UNSUPP_OPTION";
			case 6 -> "MALFORMED_OPTION";
			case 7 -> "NETWORK_FAILURE";
			case 8 -> "NO_RESOURCES";
			case 9 -> "UNSUPP_PROTOCOL";
			case 10 -> "USER_EX_QUOTA";
			case 11 -> "CANNOT_PROVIDE_EXTERNAL";
			case 12 -> "ADDRESS_MISMATCH";
			case 13 -> "EXCESSIVE_REMOTE_PEERS";
			default -> "an unknown result code";
		};
	}

	/** @return the 16-byte form of an address: IPv6 as is, IPv4 as IPv4-mapped IPv6 */
	static byte[] address16(InetAddress address) {
		if (address instanceof Inet6Address) {
			return address.getAddress();
		}
		byte[] v4 = address.getAddress();
		byte[] out = new byte[16];
		out[10] = (byte) 0xFF;
		out[11] = (byte) 0xFF;
		System.arraycopy(v4, 0, out, 12, 4);
		return out;
	}

	/** @return the address of 16 bytes: an IPv4-mapped one as {@link Inet4Address} */
	static InetAddress fromAddress16(byte[] bytes) {
		try {
			boolean mapped = bytes[10] == (byte) 0xFF && bytes[11] == (byte) 0xFF;
			for (int i = 0; i < 10 && mapped; i++) {
				mapped = bytes[i] == 0;
			}
			return mapped ? InetAddress.getByAddress(Arrays.copyOfRange(bytes, 12, 16))
					: Inet6Address.getByAddress(null, bytes, null);
		}
		catch (UnknownHostException e) {
			throw new IllegalStateException(e); // the length is right
		}
	}

	private static InetAddress any4() {
		try {
			return InetAddress.getByAddress(new byte[4]);
		}
		catch (UnknownHostException e) {
			throw new IllegalStateException(e);
		}
	}

	static void checkPort(String name, int port, int min) {
		if (port < min || port > 65535) {
			throw new IllegalArgumentException(name + " must be from " + min + " to 65535, was " + port);
		}
	}
}
