// SPDX-License-Identifier: Apache-2.0
package io.peercollab.internal.nat.mapping;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;

/**
 * NAT-PMP (RFC 6886) requests and responses, byte for byte: the external address request (section 3.2) and the TCP
 * mapping request (section 3.3), and their responses.
 */
final class NatPmpMessages {

	/** The NAT-PMP server's port (RFC 6886 section 3.1), the same as PCP's. */
	static final int SERVER_PORT = 5351;

	static final int OPCODE_EXTERNAL_ADDRESS = 0;

	static final int OPCODE_MAP_TCP = 2;

	/** A response's opcode is the request's plus 128. */
	static final int RESPONSE = 128;

	/** The largest datagram read: the longest NAT-PMP response is 16 bytes; more is not NAT-PMP. */
	static final int MAX_SIZE = 1100;

	private static final String PROTOCOL = "NAT-PMP";

	private NatPmpMessages() {
	}

	/**
	 * A response to the external address request.
	 *
	 * @param epoch seconds since the gateway's port-mapping table was initialised
	 * @param externalAddress its external IPv4 address
	 */
	record ExternalAddressResponse(long epoch, InetAddress externalAddress) {
	}

	/**
	 * A response to a mapping request.
	 *
	 * @param epoch seconds since the gateway's port-mapping table was initialised
	 * @param internalPort echoed
	 * @param externalPort the mapped external port (0 after a deletion)
	 * @param lifetime the granted lifetime in seconds
	 */
	record MapResponse(long epoch, int internalPort, int externalPort, long lifetime) {
	}

	/** @return the 2-byte external address request: version 0, opcode 0 */
	static byte[] externalAddressRequest() {
		return new byte[] {0, OPCODE_EXTERNAL_ADDRESS};
	}

	/**
	 * @param internalPort the port to forward to, 1 to 65535
	 * @param suggestedExternalPort the external port wished for; 0 when deleting
	 * @param lifetime seconds; 0 deletes the mapping
	 * @return the 12-byte TCP mapping request
	 */
	static byte[] mapTcpRequest(int internalPort, int suggestedExternalPort, long lifetime) {
		PcpMessages.checkPort("internalPort", internalPort, 1);
		PcpMessages.checkPort("suggestedExternalPort", suggestedExternalPort, 0);
		if (lifetime < 0 || lifetime > 0xFFFF_FFFFL) {
			throw new IllegalArgumentException("lifetime must be from 0 to 2^32-1 s, was " + lifetime);
		}
		return ByteBuffer.allocate(12).put((byte) 0).put((byte) OPCODE_MAP_TCP).putShort((short) 0)
				.putShort((short) internalPort).putShort((short) suggestedExternalPort).putInt((int) lifetime)
				.array();
	}

	/**
	 * @return the response; {@code null} if the datagram answers another opcode
	 * @throws GatewayFormatException naming the field and the limit if malformed
	 * @throws GatewayRefusedException for a result code other than 0 (1: the gateway does not speak NAT-PMP, such as a
	 * PCP-only server answering with version 2)
	 */
	static ExternalAddressResponse decodeExternalAddressResponse(ByteBuffer datagram) {
		ByteBuffer b = header(datagram, OPCODE_EXTERNAL_ADDRESS, 12);
		if (b == null) {
			return null;
		}
		long epoch = b.getInt() & 0xFFFF_FFFFL;
		byte[] address = new byte[4];
		b.get(address);
		try {
			return new ExternalAddressResponse(epoch, InetAddress.getByAddress(address));
		}
		catch (UnknownHostException e) {
			throw new IllegalStateException(e);
		}
	}

	/** @see #decodeExternalAddressResponse(ByteBuffer) */
	static MapResponse decodeMapTcpResponse(ByteBuffer datagram) {
		ByteBuffer b = header(datagram, OPCODE_MAP_TCP, 16);
		if (b == null) {
			return null;
		}
		long epoch = b.getInt() & 0xFFFF_FFFFL;
		int internalPort = b.getShort() & 0xFFFF;
		int externalPort = b.getShort() & 0xFFFF;
		long lifetime = b.getInt() & 0xFFFF_FFFFL;
		return new MapResponse(epoch, internalPort, externalPort, lifetime);
	}

	/** Checks version, opcode, result code and length; returns the buffer after the result code, or null. */
	private static ByteBuffer header(ByteBuffer datagram, int opcode, int size) {
		int length = datagram.remaining();
		if (length > MAX_SIZE) {
			throw new GatewayFormatException(PROTOCOL, "length", "at most " + MAX_SIZE + " bytes, was " + length);
		}
		if (length < 2) {
			throw new GatewayFormatException(PROTOCOL, "length", "at least 2 bytes, was " + length);
		}
		ByteBuffer b = datagram.slice();
		int version = b.get() & 0xFF;
		int op = b.get() & 0xFF;
		if (version != 0) {
			// a PCP server that does not do NAT-PMP answers with its own version (RFC 6887 section 9)
			throw new GatewayRefusedException(PROTOCOL, 1, "Unsupported Version (the gateway answered with version "
					+ version + ")");
		}
		if (op < RESPONSE) {
			throw new GatewayFormatException(PROTOCOL, "opcode", "a response's opcode is at least 128, was " + op);
		}
		if (op != RESPONSE + opcode) {
			return null;
		}
		if (length < 4) {
			throw new GatewayFormatException(PROTOCOL, "length", "at least 4 bytes, was " + length);
		}
		int result = b.getShort() & 0xFFFF;
		if (result != 0) {
			// an error response need not carry the rest (RFC 6886 section 3.5)
			throw new GatewayRefusedException(PROTOCOL, result, resultMeaning(result));
		}
		if (length != size) {
			throw new GatewayFormatException(PROTOCOL, "length", "a response to opcode " + opcode + " is " + size
					+ " bytes, was " + length);
		}
		return b;
	}

	/** @return the meaning of a NAT-PMP result code (RFC 6886 section 3.5) */
	static String resultMeaning(int code) {
		return switch (code) {
			case 0 -> "Success";
			case 1 -> "Unsupported Version";
			case 2 -> "Not Authorized/Refused";
			case 3 -> "Network Failure";
			case 4 -> "Out of resources";
			case 5 -> "Unsupported opcode";
			default -> "an unknown result code";
		};
	}
}
