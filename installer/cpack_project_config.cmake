# Read by cpack once per generator (CPACK_PROJECT_CONFIG_FILE).
# The RPM carries the agent only; the collector ships as a .deb.
if(CPACK_GENERATOR STREQUAL "RPM")
  set(CPACK_COMPONENTS_ALL agent)
endif()
