// SPDX-License-Identifier: Apache-2.0
package io.peercollab.dht;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

import org.bouncycastle.util.encoders.Base32Encoder;

/**
 * z-base-32 (Zooko's alphabet), as Pkarr writes a public key in a DNS name: Bouncy Castle's base-32 encoder with that
 * alphabet, without the padding.
 */
final class ZBase32 {

	private static final Base32Encoder ENCODER = new Base32Encoder(
			"ybndrfg8ejkmcpqxot1uwisza345h769".getBytes(StandardCharsets.US_ASCII), (byte) '=');

	private ZBase32() {
	}

	/** @return the text of {@code bytes}, {@code ceil(8 * length / 5)} characters */
	static String encode(byte[] bytes) {
		ByteArrayOutputStream out = new ByteArrayOutputStream(ENCODER.getEncodedLength(bytes.length));
		try {
			ENCODER.encode(bytes, 0, bytes.length, out);
		}
		catch (IOException e) {
			throw new UncheckedIOException(e); // a ByteArrayOutputStream does not fail
		}
		String padded = out.toString(StandardCharsets.US_ASCII);
		int end = padded.indexOf('=');
		return end < 0 ? padded : padded.substring(0, end);
	}
}
