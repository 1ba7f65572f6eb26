// SPDX-License-Identifier: Apache-2.0
package io.peercollab.rsocket;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * A TURN server (RFC 8656, with the TCP relays of RFC 6062; coturn is the reference) through which an
 * {@link RSocketPeerTransport} accepts and opens connections when no direct path exists. The binding allocates a TCP
 * relay there when it starts and keeps it until it is disposed; peers reach it at its {@link io.peercollab.RelayedAddress}. The TLS
 * handshake, with both certificates and the pinning, runs end to end inside the relayed stream: the TURN server only
 * ever forwards ciphertext.
 *
 * <p>Immutable: each method returns a configured copy.
 *
 * <pre>{@code
 * RSocketPeerTransport transport = RSocketPeerTransport.tcp()
 *     .turnServer(TurnServer.withSharedSecret(new InetSocketAddress(turnIp, 3478), "alice", secret));
 * }</pre>
 *
 * <p>Whom the relay admits: a TURN server relays inbound TCP only from IP addresses the allocation permitted. The
 * binding permits the TURN server's own relay address, so that every peer that dials through an allocation on the
 * same server (a transport configured with this server dials a {@link io.peercollab.RelayedAddress} with a Connect from its own
 * allocation) gets in, whatever NAT it sits behind; and the addresses given to {@link #permit}.
 */
public final class TurnServer {

	/** How long REST-API credentials made from a shared secret stay valid, unless {@link #validity} says otherwise. */
	public static final Duration DEFAULT_VALIDITY = Duration.ofHours(24);

	private final InetSocketAddress address;
	private final String username;
	private final String secret;
	private final boolean sharedSecret;
	private final Duration validity;
	private final List<InetAddress> permitted;

	private TurnServer(InetSocketAddress address, String username, String secret, boolean sharedSecret,
			Duration validity, List<InetAddress> permitted) {
		this.address = address;
		this.username = username;
		this.secret = secret;
		this.sharedSecret = sharedSecret;
		this.validity = validity;
		this.permitted = List.copyOf(permitted);
	}

	/**
	 * A TURN server with long-term credentials (a user name and password configured at the server).
	 *
	 * @param address the server's IP address and TCP port (3478 is the standard one); resolved
	 * @param username the user name
	 * @param password the password
	 * @return the server
	 * @throws IllegalArgumentException if the address is unresolved or the user name empty
	 */
	public static TurnServer withPassword(InetSocketAddress address, String username, String password) {
		return new TurnServer(checked(address), nonEmpty(username), Objects.requireNonNull(password, "password"),
				false, DEFAULT_VALIDITY, List.of());
	}

	/**
	 * A TURN server with time-limited credentials made from a shared secret, the TURN REST API way that public TURN
	 * services and coturn's {@code use-auth-secret} use: user name {@code expiry:user}, password the Base64
	 * HMAC-SHA1 of the user name under the secret. They are made when the binding allocates, valid for
	 * {@link #validity}.
	 *
	 * @param address the server's IP address and TCP port; resolved
	 * @param user the user part of the user name (may be empty)
	 * @param secret the secret shared with the server
	 * @return the server
	 * @throws IllegalArgumentException if the address is unresolved or {@code user} contains {@code :}
	 */
	public static TurnServer withSharedSecret(InetSocketAddress address, String user, String secret) {
		Objects.requireNonNull(user, "user");
		if (user.contains(":")) {
			throw new IllegalArgumentException("user must not contain ':', was " + user);
		}
		return new TurnServer(checked(address), user, Objects.requireNonNull(secret, "secret"), true,
				DEFAULT_VALIDITY, List.of());
	}

	/**
	 * Sets how long credentials made from a shared secret stay valid: the allocation needs them for as long as it
	 * lives (its refreshes carry the same user name). Default 24 hours.
	 *
	 * @param validity positive
	 * @return a copy with this validity
	 */
	public TurnServer validity(Duration validity) {
		Objects.requireNonNull(validity, "validity");
		if (validity.isNegative() || validity.isZero()) {
			throw new IllegalArgumentException("validity must be positive, was " + validity);
		}
		return new TurnServer(address, username, secret, sharedSecret, validity, permitted);
	}

	/**
	 * Adds IP addresses the relay admits inbound connections from, besides the TURN server's own relay address
	 * (see the class comment): peers that dial the {@link io.peercollab.RelayedAddress} with plain TCP, such as ones without a
	 * TURN server of their own or with another one.
	 *
	 * @param peers the addresses to permit
	 * @return a copy that also permits them
	 */
	public TurnServer permit(InetAddress... peers) {
		List<InetAddress> all = new ArrayList<>(permitted);
		for (InetAddress peer : peers) {
			all.add(Objects.requireNonNull(peer, "peer"));
		}
		return new TurnServer(address, username, secret, sharedSecret, validity, all);
	}

	/** @return the server's address */
	public InetSocketAddress address() {
		return address;
	}

	/** @return the user name, or for a shared secret the user part */
	public String username() {
		return username;
	}

	/** @return the addresses given to {@link #permit} */
	public List<InetAddress> permitted() {
		return permitted;
	}

	String secret() {
		return secret;
	}

	boolean sharedSecret() {
		return sharedSecret;
	}

	Duration validity() {
		return validity;
	}

	/** @return the address, the user and the kind of credentials; never the password or secret */
	@Override
	public String toString() {
		return "TurnServer[" + io.peercollab.IpLiterals.toString(address) + ", user " + username
				+ (sharedSecret ? ", shared secret" : ", password") + "]";
	}

	private static InetSocketAddress checked(InetSocketAddress address) {
		Objects.requireNonNull(address, "address");
		if (address.isUnresolved()) {
			throw new IllegalArgumentException("the TURN server's address must be an IP address (no DNS lookups "
					+ "are made), was " + address);
		}
		return address;
	}

	private static String nonEmpty(String username) {
		Objects.requireNonNull(username, "username");
		if (username.isEmpty()) {
			throw new IllegalArgumentException("username must not be empty");
		}
		return username;
	}
}
