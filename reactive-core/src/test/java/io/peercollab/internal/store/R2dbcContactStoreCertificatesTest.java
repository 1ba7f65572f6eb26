// SPDX-License-Identifier: Apache-2.0
package io.peercollab.internal.store;

import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.stream.IntStream;

import io.peercollab.identity.PeerIdentity;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The parsed certificates an {@link R2dbcContactStore} keeps: shared by encoding, bounded, and a failed parse named.
 */
class R2dbcContactStoreCertificatesTest {

	private static final List<X509Certificate> FOUR = IntStream.range(0, 4)
			.mapToObj(i -> PeerIdentity.generate("cert" + i).certificate())
			.toList();

	@Test
	void theSameEncodingReadTwiceIsParsedOnceAndShared() throws CertificateEncodingException {
		R2dbcContactStore.Certificates certificates = new R2dbcContactStore.Certificates(3);

		X509Certificate first = certificates.get(FOUR.get(0).getEncoded());
		X509Certificate again = certificates.get(FOUR.get(0).getEncoded());

		assertThat(again).isSameAs(first).isEqualTo(FOUR.get(0));
		assertThat(certificates.size()).isEqualTo(1);
	}

	@Test
	void noMoreThanTheCapacityIsKeptAndEveryEncodingStillReadsAsItsCertificate()
			throws CertificateEncodingException {
		R2dbcContactStore.Certificates certificates = new R2dbcContactStore.Certificates(3);

		for (int round = 0; round < 3; round++) {
			for (X509Certificate certificate : FOUR) {
				assertThat(certificates.get(certificate.getEncoded())).isEqualTo(certificate);
				assertThat(certificates.size()).isLessThanOrEqualTo(3);
			}
		}
	}

	@Test
	void bytesThatAreNoCertificateFailSayingSo() {
		R2dbcContactStore.Certificates certificates = new R2dbcContactStore.Certificates(3);

		assertThatThrownBy(() -> certificates.get(new byte[] { 0x30, 0x00 }))
				.isInstanceOf(IllegalArgumentException.class)
				.hasMessageStartingWith("not an X.509 certificate");
		assertThat(certificates.size()).isZero();
	}
}
