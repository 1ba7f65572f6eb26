// SPDX-License-Identifier: Apache-2.0
package io.peercollab.rsocket.internal;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;

import io.peercollab.InvalidRequestException;
import io.peercollab.IpLiterals;
import io.peercollab.MessageText;
import io.peercollab.identity.PeerName;

/**
 * Where contacts see this endpoint: the {@code observed} field of a server's {@code hello} answer names the address
 * it saw the connection come from. Another source of "where I stand" beside STUN: a diagnostic, and this endpoint's
 * public IP address when no STUN server answered. Only the latest report is kept (one address and who said it), so a
 * stranger's answers hold nothing; a report is only a hint (the server could lie, and the port is that of one outbound
 * connection, not the listening one), so nothing is published from it.
 */
final class ObservedAddress {

	/** The longest {@code observed} text read: a bracketed IPv6 literal with a zone and a port fits. */
	static final int MAX_LENGTH = 64;

	/**
	 * One report.
	 *
	 * @param by the server that said it (its key proven by TLS)
	 * @param address where it saw this endpoint
	 */
	record Report(PeerName by, InetSocketAddress address) {
	}

	private final AtomicReference<Report> latest = new AtomicReference<>();

	/**
	 * Checks a server's {@code observed} field.
	 *
	 * @param observed the field's text, or {@code null} if it sent none
	 * @param from the server
	 * @return the address, or empty if the field was absent
	 * @throws InvalidRequestException naming the field, if it is longer than {@value #MAX_LENGTH} characters, not an
	 *     IP literal with a port from 1 to 65535, or a wildcard or multicast address
	 */
	static Optional<InetSocketAddress> parse(String observed, PeerName from) {
		Objects.requireNonNull(from, "from");
		if (observed == null) {
			return Optional.empty();
		}
		String where = "the hello answer of " + from + ": field 'observed' ";
		if (observed.length() > MAX_LENGTH) {
			throw new InvalidRequestException(where + "is " + observed.length() + " characters, the limit is "
					+ MAX_LENGTH);
		}
		InetSocketAddress address;
		try {
			address = IpLiterals.parseSocketAddress(observed);
		}
		catch (IllegalArgumentException e) {
			throw new InvalidRequestException(where + "must be an IP literal and port: " + e.getMessage(), e);
		}
		InetAddress ip = address.getAddress();
		if (address.isUnresolved() || ip.isAnyLocalAddress() || ip.isMulticastAddress()) {
			throw new InvalidRequestException(where + "must be a unicast address, was '" + MessageText.quote(observed)
					+ "'");
		}
		return Optional.of(address);
	}

	/**
	 * Keeps {@code address} as the latest report.
	 *
	 * @return whether its IP address differs from the latest one's (the port differs for every connection)
	 */
	boolean report(PeerName by, InetSocketAddress address) {
		Report before = latest.getAndSet(new Report(by, address));
		return before == null || !before.address().getAddress().equals(address.getAddress());
	}

	/** @return the latest report, if any */
	Optional<Report> latest() {
		return Optional.ofNullable(latest.get());
	}
}
