package dev.reprise.platform.problem;

import io.quarkus.arc.Arc;
import jakarta.enterprise.inject.Any;
import jakarta.enterprise.inject.spi.Bean;
import jakarta.ws.rs.HttpMethod;
import jakarta.ws.rs.Path;
import java.lang.annotation.Annotation;
import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The HTTP methods the REST resources accept on a path, for the {@code Allow} header that a 405 must carry
 * (RFC 9110 §15.5.6), which RESTEasy Reactive leaves out. Read once from the resources' JAX-RS annotations.
 */
final class AllowedMethods {

    private record Endpoint(Pattern path, String method) {
    }

    /** {@code {name}} or {@code {name: regex}}, where the regex may hold one level of braces ({@code \d{2}}). */
    private static final Pattern PARAMETER =
            Pattern.compile("\\{\\s*\\w[\\w.-]*\\s*(?::\\s*((?:[^{}]|\\{[^{}]*\\})+))?}");

    private static volatile List<Endpoint> endpoints;

    private AllowedMethods() {
    }

    /** Sorted, with HEAD wherever GET is (JAX-RS answers it) and OPTIONS (answered for every resource path). */
    static Set<String> forPath(String path) {
        Set<String> allowed = new TreeSet<>();
        for (Endpoint endpoint : endpoints()) {
            if (endpoint.path().matcher(path).matches()) {
                allowed.add(endpoint.method());
            }
        }
        if (allowed.isEmpty()) {
            return allowed;
        }
        if (allowed.contains("GET")) {
            allowed.add("HEAD");
        }
        allowed.add("OPTIONS");
        return allowed;
    }

    private static List<Endpoint> endpoints() {
        List<Endpoint> known = endpoints;
        if (known == null) {
            known = scan();
            endpoints = known;
        }
        return known;
    }

    /** Resource classes are beans in Quarkus REST; their methods with an HTTP method annotation are the endpoints. */
    private static List<Endpoint> scan() {
        List<Endpoint> found = new ArrayList<>();
        for (Bean<?> bean : Arc.container().beanManager().getBeans(Object.class, Any.Literal.INSTANCE)) {
            Class<?> type = bean.getBeanClass();
            Path classPath = type.getAnnotation(Path.class);
            if (classPath == null) {
                continue;
            }
            for (Method method : type.getMethods()) {
                String httpMethod = httpMethod(method);
                if (httpMethod != null) {
                    Path methodPath = method.getAnnotation(Path.class);
                    String template = join(classPath.value(), methodPath == null ? "" : methodPath.value());
                    found.add(new Endpoint(toPattern(template), httpMethod));
                }
            }
        }
        return List.copyOf(found);
    }

    private static String httpMethod(Method method) {
        for (Annotation annotation : method.getAnnotations()) {
            HttpMethod httpMethod = annotation.annotationType().getAnnotation(HttpMethod.class);
            if (httpMethod != null) {
                return httpMethod.value();
            }
        }
        return null;
    }

    private static String join(String classPath, String methodPath) {
        String joined = "/" + classPath + "/" + methodPath;
        joined = joined.replaceAll("/+", "/");
        return joined.length() > 1 && joined.endsWith("/") ? joined.substring(0, joined.length() - 1) : joined;
    }

    /** {@code /rooms/{roomId}} → {@code /rooms/[^/]+}; a parameter's own regex ({@code {id: \d+}}) is kept. */
    static Pattern toPattern(String template) {
        StringBuilder regex = new StringBuilder();
        Matcher parameter = PARAMETER.matcher(template);
        int last = 0;
        while (parameter.find()) {
            regex.append(Pattern.quote(template.substring(last, parameter.start())));
            regex.append(parameter.group(1) == null ? "[^/]+" : "(?:" + parameter.group(1).trim() + ")");
            last = parameter.end();
        }
        regex.append(Pattern.quote(template.substring(last)));
        return Pattern.compile(regex + "/?");
    }
}
