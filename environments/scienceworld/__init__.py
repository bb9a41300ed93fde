"""ScienceWorld (a Java simulator reached through py4j) behind the text-env contract."""
