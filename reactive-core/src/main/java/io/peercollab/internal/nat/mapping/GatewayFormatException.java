// SPDX-License-Identifier: Apache-2.0
package io.peercollab.internal.nat.mapping;

import io.peercollab.InvalidRequestException;

/**
 * A gateway's reply could not be read: a PCP or NAT-PMP datagram, an SSDP response, a device description or a SOAP
 * response with a malformed field or one over its limit. The message and {@link #field()} name the field, the
 * message also the limit or what was expected.
 */
public final class GatewayFormatException extends InvalidRequestException {

	private static final long serialVersionUID = 1L;

	private final String field;

	GatewayFormatException(String protocol, String field, String problem) {
		super("Malformed " + protocol + " reply from the gateway: " + field + ": " + problem);
		this.field = field;
	}

	/** @return the field that is malformed, such as {@code opcode} or {@code LOCATION} */
	public String field() {
		return field;
	}
}
