// SPDX-License-Identifier: Apache-2.0
package io.peercollab.spi;

import java.util.Objects;
import java.util.regex.Pattern;

import io.peercollab.MessageText;

/**
 * Where an {@link EndpointRecord} came from. Every source is only a hint: whoever answers at the address must prove
 * the contact's key in the TLS handshake, so a source can help or fail to help, never fool.
 *
 * <p>An open set: the library's own sources are the constants below, and a {@link PeerNameResolver} of another
 * directory names itself with {@link #of(String)}:
 *
 * <pre>{@code
 * static final EndpointSource MY_DIRECTORY = EndpointSource.of("my-directory");
 * ...
 * return Flux.just(new EndpointRecord(endPoint, MY_DIRECTORY, Duration.ofMinutes(5)));
 * }</pre>
 *
 * Two sources are equal when their names are; compare them with {@link #equals(Object)}, not {@code ==}. The
 * {@link #toString()} of a source is its name.
 *
 * @param name the source's name: 1 to {@value #MAX_NAME_LENGTH} characters of {@code A-Z a-z 0-9 . _ -}
 */
public record EndpointSource(String name) {

	/** The longest name of a source, in characters. */
	public static final int MAX_NAME_LENGTH = 64;

	private static final Pattern NAME = Pattern.compile("[A-Za-z0-9._-]+");

	/**
	 * The endpoints written on the contact's card (imported, or stored with the contact). The library offers them for
	 * every contact that has any.
	 */
	public static final EndpointSource CARD = new EndpointSource("CARD");

	/**
	 * The endpoint at which this endpoint last reached the contact and the contact proved its key; the library offers
	 * it before its other sources.
	 */
	public static final EndpointSource LAST_SEEN = new EndpointSource("LAST_SEEN");

	/**
	 * An endpoint of the contact found by local discovery (people near me), offered while this endpoint is signed in
	 * to {@code NEAR_ME} and the contact is near.
	 */
	public static final EndpointSource NEAR_ME = new EndpointSource("NEAR_ME");

	/** A signed record the contact published in the BitTorrent Mainline DHT, as {@code MainlineDht} resolves it. */
	public static final EndpointSource DHT = new EndpointSource("DHT");

	/**
	 * Validates the name.
	 *
	 * @throws NullPointerException if {@code name} is {@code null}
	 * @throws IllegalArgumentException if it is empty, longer than {@value #MAX_NAME_LENGTH} characters, or holds a
	 * character other than {@code A-Z a-z 0-9 . _ -}
	 */
	public EndpointSource {
		Objects.requireNonNull(name, "name");
		if (name.isEmpty() || name.length() > MAX_NAME_LENGTH || !NAME.matcher(name).matches()) {
			throw new IllegalArgumentException("EndpointSource name must be 1 to " + MAX_NAME_LENGTH
					+ " characters of A-Z a-z 0-9 . _ -, was '" + MessageText.quote(name) + "' (" + name.length()
					+ " characters)");
		}
	}

	/**
	 * Returns the source with this name: one of the constants above for their names, else a new source.
	 *
	 * @param name 1 to {@value #MAX_NAME_LENGTH} characters of {@code A-Z a-z 0-9 . _ -}
	 * @throws NullPointerException if {@code name} is {@code null}
	 * @throws IllegalArgumentException if the name is invalid; the message says why
	 */
	public static EndpointSource of(String name) {
		Objects.requireNonNull(name, "name");
		return switch (name) {
			case "CARD" -> CARD;
			case "LAST_SEEN" -> LAST_SEEN;
			case "NEAR_ME" -> NEAR_ME;
			case "DHT" -> DHT;
			default -> new EndpointSource(name);
		};
	}

	/** @return the name */
	@Override
	public String toString() {
		return name;
	}
}
