// SPDX-License-Identifier: Apache-2.0
package io.peercollab.internal.nat;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Objects;

/**
 * The user name and password a TURN client authenticates with (the long-term credential mechanism of RFC 8656
 * section 9.2): either configured as such, or made from a shared secret the TURN REST API way (the
 * {@code use-auth-secret} / {@code static-auth-secret} of coturn, used by public TURN services): the user name is
 * {@code expiry:user}, with the expiry in Unix seconds, and the password is the Base64 HMAC-SHA1 of that user name
 * under the secret.
 *
 * @param username the user name sent in USERNAME; at most {@link #MAX_USERNAME} bytes of UTF-8
 * @param password the password; never sent, only hashed into the key of MESSAGE-INTEGRITY
 */
public record TurnCredentials(String username, String password) {

	/** The longest USERNAME RFC 8656 allows, in bytes. */
	public static final int MAX_USERNAME = 512;

	/**
	 * @throws NullPointerException if a value is {@code null}
	 * @throws IllegalArgumentException if the user name is empty or longer than {@link #MAX_USERNAME} bytes
	 */
	public TurnCredentials {
		Objects.requireNonNull(username, "username");
		Objects.requireNonNull(password, "password");
		int length = username.getBytes(StandardCharsets.UTF_8).length;
		if (length == 0 || length > MAX_USERNAME) {
			throw new IllegalArgumentException("username must be 1 to " + MAX_USERNAME + " bytes of UTF-8, was "
					+ length);
		}
	}

	/** @return credentials used as given */
	public static TurnCredentials longTerm(String username, String password) {
		return new TurnCredentials(username, password);
	}

	/**
	 * Makes time-limited credentials from a shared secret (TURN REST API).
	 *
	 * @param user the user part, may be empty (the user name is then the expiry alone)
	 * @param secret the secret the TURN server shares
	 * @param validity how long from {@code now} the server accepts them: an allocation needs them for its whole life
	 * @param now the current time
	 * @return credentials valid until {@code now + validity}
	 * @throws IllegalArgumentException if {@code validity} is not positive or {@code user} contains {@code :}
	 */
	public static TurnCredentials restApi(String user, String secret, Duration validity, Instant now) {
		Objects.requireNonNull(user, "user");
		Objects.requireNonNull(secret, "secret");
		Objects.requireNonNull(validity, "validity");
		Objects.requireNonNull(now, "now");
		if (validity.isNegative() || validity.isZero()) {
			throw new IllegalArgumentException("validity must be positive, was " + validity);
		}
		long expiry = now.plus(validity).getEpochSecond();
		String username = user.isEmpty() ? Long.toString(expiry) : expiry + ":" + user;
		byte[] hmac = StunMessage.hmacSha1(secret.getBytes(StandardCharsets.UTF_8),
				username.getBytes(StandardCharsets.UTF_8), username.getBytes(StandardCharsets.UTF_8).length);
		return new TurnCredentials(username, Base64.getEncoder().encodeToString(hmac));
	}

	/** @return the user name only: the password is never shown */
	@Override
	public String toString() {
		return "TurnCredentials[username=" + username + "]";
	}
}
