import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.net.HttpURLConnection;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Java: the HTTP_* constants of java.net.HttpURLConnection, by reflection. The JDK has no reason
 * phrases. Where two constants share a code (HTTP_SERVER_ERROR and HTTP_INTERNAL_ERROR, 500), the
 * one not deprecated names it.
 */
public class Probe {
  public static void main(String[] args) {
    Map<Integer, Field> byCode = new TreeMap<>();
    for (Field field : HttpURLConnection.class.getFields()) {
      int mods = field.getModifiers();
      if (!Modifier.isStatic(mods) || field.getType() != int.class || !field.getName().startsWith("HTTP_")) continue;
      int code;
      try {
        code = field.getInt(null);
      } catch (IllegalAccessException e) {
        throw new RuntimeException(e);
      }
      Field held = byCode.get(code);
      boolean better = held == null
          || (held.isAnnotationPresent(Deprecated.class) && !field.isAnnotationPresent(Deprecated.class))
          || (held.isAnnotationPresent(Deprecated.class) == field.isAnnotationPresent(Deprecated.class) && field.getName().compareTo(held.getName()) < 0);
      if (better) byCode.put(code, field);
    }
    List<String> items = new ArrayList<>();
    byCode.forEach((code, field) -> items.add("{\"code\":" + code + ",\"symbol\":\"HttpURLConnection." + field.getName() + "\",\"reasonPhrase\":null}"));
    System.out.println("{\"version\":\"" + System.getProperty("java.version") + "\",\"constants\":[" + String.join(",", items) + "]}");
  }
}
