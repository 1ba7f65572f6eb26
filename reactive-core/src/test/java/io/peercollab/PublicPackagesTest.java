// SPDX-License-Identifier: Apache-2.0
package io.peercollab;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Public packages use nothing from {@code io.peercollab.internal}: their compiled classes name no internal class,
 * except the factories through which the public API reaches its implementation ({@link PeerCollaboration#builder()},
 * the {@code ContactStores} factories). The check reads the constant pool of every compiled public class, so an import,
 * a fully qualified name and a lambda all count.
 */
class PublicPackagesTest {

	/** The only public classes allowed to name an internal class, and why. */
	static final Set<String> FACTORIES = Set.of(
			"io/peercollab/PeerCollaboration.class", // builder(): the engine's builder
			"io/peercollab/contact/ContactStores.class"); // inMemory(), h2(...), r2dbc(...): the stores

	@Test
	void noPublicClassNamesAnInternalOneButTheFactories() throws IOException, URISyntaxException {
		Path classes = Path.of(PeerCollaboration.class.getProtectionDomain().getCodeSource().getLocation().toURI());
		List<String> offenders;
		try (Stream<Path> all = Files.walk(classes)) {
			offenders = all.filter(p -> p.toString().endsWith(".class"))
					.map(p -> classes.relativize(p).toString().replace('\\', '/'))
					.filter(name -> !name.startsWith("io/peercollab/internal/"))
					.filter(name -> !FACTORIES.contains(name))
					.filter(name -> namesInternal(classes.resolve(name)))
					.sorted()
					.toList();
		}
		assertThat(offenders).as("public classes that name io.peercollab.internal").isEmpty();
	}

	@Test
	void theCheckSeesWhatTheFactoriesName() throws Exception {
		Path classes = Path.of(PeerCollaboration.class.getProtectionDomain().getCodeSource().getLocation().toURI());
		for (String factory : FACTORIES) {
			assertThat(namesInternal(classes.resolve(factory))).as(factory).isTrue();
		}
	}

	private static boolean namesInternal(Path classFile) {
		try {
			return new String(Files.readAllBytes(classFile), StandardCharsets.ISO_8859_1)
					.contains("io/peercollab/internal/");
		}
		catch (IOException e) {
			throw new java.io.UncheckedIOException(e);
		}
	}
}
