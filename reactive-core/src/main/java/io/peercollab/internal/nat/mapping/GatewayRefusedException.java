// SPDX-License-Identifier: Apache-2.0
package io.peercollab.internal.nat.mapping;

import io.peercollab.PeerCollabException;

/**
 * The gateway answered, and refused: a PCP or NAT-PMP result code other than success, or a UPnP error (a SOAP fault
 * with {@code errorCode}, or an HTTP status without one).
 */
public final class GatewayRefusedException extends PeerCollabException {

	private static final long serialVersionUID = 1L;

	private final String protocol;

	private final int code;

	GatewayRefusedException(String protocol, int code, String meaning) {
		super(protocol + " gateway refused: " + code + " " + meaning);
		this.protocol = protocol;
		this.code = code;
	}

	/** @return {@code PCP}, {@code NAT-PMP} or {@code UPnP-IGD} */
	public String protocol() {
		return protocol;
	}

	/** @return the result code (PCP, NAT-PMP), the UPnP {@code errorCode}, or the HTTP status */
	public int code() {
		return code;
	}

	/** @return whether the gateway does not speak this protocol (version), so that the next one is worth trying */
	boolean unsupportedVersion() {
		return code == 1 && !protocol.startsWith("UPnP");
	}
}
