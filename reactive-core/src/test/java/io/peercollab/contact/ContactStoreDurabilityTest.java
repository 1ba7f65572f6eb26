// SPDX-License-Identifier: Apache-2.0
package io.peercollab.contact;

import java.io.BufferedReader;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;

import io.peercollab.identity.PeerName;
import io.peercollab.spi.ContactStore;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import reactor.test.StepVerifier;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * An acknowledged write to {@link ContactStores#h2(Path)} survives the process being killed: a child JVM
 * ({@link ContactWriterMain}) inserts contacts one by one and reports each acknowledgement; the test kills it without
 * warning and opens the store itself.
 */
@Tag("slow")
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class ContactStoreDurabilityTest {

	private static final int ACKS_BEFORE_KILL = 300;

	@TempDir
	Path directory;

	@Test
	void everyAcknowledgedInsertSurvivesTheWriterBeingKilled() throws IOException, InterruptedException {
		Path data = directory.resolve("data");
		Path errors = directory.resolve("writer-stderr.txt");
		Process writer = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
				"-cp", System.getProperty("java.class.path"), ContactWriterMain.class.getName(), data.toString())
				.redirectError(errors.toFile())
				.start();
		X509Certificate certificate = null;
		List<PeerName> acknowledged = new ArrayList<>();
		try {
			BufferedReader lines = new BufferedReader(new InputStreamReader(writer.getInputStream(),
					StandardCharsets.UTF_8));
			String line;
			while (acknowledged.size() < ACKS_BEFORE_KILL && (line = lines.readLine()) != null) {
				certificate = read(line, certificate, acknowledged);
			}
			assertThat(acknowledged).as("acknowledgements before the writer stopped; its errors: %s",
					Files.readString(errors)).hasSize(ACKS_BEFORE_KILL);
		}
		finally {
			// The writer keeps inserting while this reads, so the kill lands in the middle of some insert.
			// Killing also closes the pipe: acknowledgements printed meanwhile are not read, only the first ones.
			writer.destroyForcibly();
		}
		assertThat(writer.waitFor(30, TimeUnit.SECONDS)).isTrue();
		System.out.println("verifying " + acknowledged.size() + " acknowledged inserts");

		X509Certificate written = certificate;
		ContactStore store = ContactStores.h2(data);
		StepVerifier.create(store.findAll().collectList())
				.assertNext(all -> {
					System.out.println("found " + all.size() + " contacts after the kill");
					List<Integer> indices = all.stream().map(c -> ContactWriterMain.index(c.name())).sorted().toList();
					// The writer inserts one at a time in order: what is there is a prefix, at least what was read.
					assertThat(indices).hasSizeGreaterThanOrEqualTo(acknowledged.size())
							.containsExactlyElementsOf(IntStream.range(0, indices.size()).boxed().toList());
					for (PeerContact contact : all) {
						assertThat(contact).isEqualTo(
								ContactWriterMain.contact(ContactWriterMain.index(contact.name()), written));
					}
				})
				.verifyComplete();
		for (PeerName name : acknowledged) {
			StepVerifier.create(store.find(name))
					.expectNext(ContactWriterMain.contact(ContactWriterMain.index(name), written))
					.verifyComplete();
		}
		// The store is writable after the crash, not merely readable.
		StepVerifier.create(store.insert(ContactWriterMain.contact(1_000_000, written))).verifyComplete();
		StepVerifier.create(store.close()).expectComplete().verify(Duration.ofSeconds(10));
	}

	private static X509Certificate read(String line, X509Certificate certificate, List<PeerName> acknowledged) {
		if (line.startsWith("CERT ")) {
			try {
				return (X509Certificate) CertificateFactory.getInstance("X.509")
						.generateCertificate(new ByteArrayInputStream(Base64.getDecoder().decode(line.substring(5))));
			}
			catch (CertificateException e) {
				throw new IllegalStateException(e);
			}
		}
		assertThat(line).startsWith("ACK ");
		assertThat(certificate).as("the certificate, printed before any acknowledgement").isNotNull();
		acknowledged.add(PeerName.parse(line.substring(4)));
		return certificate;
	}
}
